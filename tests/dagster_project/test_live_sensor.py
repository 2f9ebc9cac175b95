"""The live_landing sensor: what the receiver and the poller caught reaches the marts.

The sensor is evaluated as the daemon would (build_sensor_context, the real landing store),
and the runs it requests are executed in process against the real warehouse file.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from dagster import DagsterInstance, RunRequest, SensorResult, SkipReason, build_sensor_context

from dagster_project.definitions import defs
from dagster_project.defs.live.assets import LIVE_ENGAGEMENT_KEY
from dagster_project.defs.live.sensor import live_landing
from dagster_project.resources import Warehouse
from live.credentials import subscription_credentials
from live.lisa_api import WebhookApi
from live.lisa_events import SOURCE
from live.poller import Intervals, ShopeePoller
from live.store import SqliteLandingStore, default_path
from lsw.runner import QUIET
from pipelines.config import read_config
from pipelines.lisa.settings import LisaConfig
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.settings import ConfiguredSession, ShopeeConfig
from sandbox import SandboxServer
from sandbox.providers.lisa.service import LisaService
from sandbox.providers.shopee import ShopeeService
from tests.live.receiving import Receiver


def evaluate(cursor: str | None = None) -> SensorResult | SkipReason:
    instance = DagsterInstance.get()
    with build_sensor_context(
        instance=instance, cursor=cursor, resources={"warehouse": Warehouse()}
    ) as context:
        result = live_landing(context)
    assert isinstance(result, SensorResult | SkipReason)
    return result


def execute(request: RunRequest) -> None:
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=DagsterInstance.get(),
        asset_selection=request.asset_selection,
        tags=request.tags,
        run_config=QUIET,
    )
    assert result.success


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def next_show_that_starts_and_stops(lisa: LisaService) -> tuple[str, int]:
    """A show whose stream starts after now; its id and when it stops (unix seconds)."""
    now = lisa.hub.now()
    day = datetime.fromtimestamp(now, tz=UTC).date()
    found = [
        (stop, show.id)
        for show in lisa.world.shows_on(day)
        for (start, kind) in show.events
        if kind == "Show:start" and start > now
        for (stop, stop_kind) in show.events
        if stop_kind == "Show:stop" and stop > start
    ]
    stop, show_id = min(found)
    return show_id, stop


def test_a_lisa_show_started_and_stopped_reaches_fct_sessions(
    warehouse: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    lisa = sandbox.runtime.services["lisa"]
    assert isinstance(lisa, LisaService)
    config = read_config(LisaConfig)
    assert config is not None
    assert isinstance(evaluate(), SkipReason)  # no landing store yet: nothing to do
    with WebhookApi(config) as api, Receiver(default_path()) as receiver:
        api.subscribe(receiver.url, subscription_credentials(receiver.secret, "bearer"))
        show_id, stop = next_show_that_starts_and_stops(lisa)
        sandbox.advance_clock(stop - lisa.hub.now() + 1)
        deadline = time.monotonic() + 20

        def stopped() -> list[dict[str, Any]]:
            events = [orjson.loads(r.body) for r in receiver.store.read(0, 10_000)]
            return [
                e for e in events if e["eventType"] == "Show:stop" and e["detail"]["id"] == show_id
            ]

        while not stopped():
            assert time.monotonic() < deadline, "the show's stop was not delivered"
            time.sleep(0.05)
        (event,) = stopped()
        delivered = receiver.store.count(SOURCE)

    result = evaluate()
    assert isinstance(result, SensorResult)
    assert result.cursor == str(delivered)
    (request,) = result.run_requests or []
    assert request.tags["dagster/asset_partition_range_start"] <= event["eventDate"][:10]
    execute(request)

    assert query(warehouse, "select count(*) from live.lisa_events") == [(delivered,)]
    (stream,) = event["detail"]["streams"]
    row = query(
        warehouse,
        "select status, ended_at, views from marts.fct_sessions "
        "where provider = 'lisa' and session_id = ?",
        [stream["id"]],
    )
    ended = datetime.fromisoformat(stream["end"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert row == [("ended", ended, stream["metrics"]["numberOfViewers"])]
    # the same records again (a tick that died before its cursor moved) add nothing
    again = evaluate()
    assert isinstance(again, SensorResult)
    assert query(warehouse, "select count(*) from live.lisa_events") == [(delivered,)]
    assert isinstance(evaluate(again.cursor), SkipReason)


def test_an_ended_shopee_session_reaches_fct_sessions_and_live_engagement(
    warehouse: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    shopee = sandbox.runtime.services["shopee"]
    assert isinstance(shopee, ShopeeService)
    config = read_config(ShopeeConfig)
    assert config is not None
    live = shopee.sessions[shopee.showcase.live]
    assert live.end_ms is not None
    session = ConfiguredSession(live.user_id, live.session_id)
    with (
        ShopeeApi(config, clock=shopee.ctx.clock.now) as api,
        SqliteLandingStore(default_path()) as store,
    ):
        poller = ShopeePoller(api, store, [session], Intervals(metric_s=30))
        for _ in range(24):  # two minutes live, then past its end
            poller.cycle()
            sandbox.advance_clock(5)
        sandbox.advance_clock(live.end_ms / 1000 - shopee.ctx.clock.now() + 1)
        poller.cycle()
        poller.close()
        comments = store.count("shopee.comment")
        snapshots = [
            orjson.loads(r.body) for r in store.read(0, 10_000) if r.source == "shopee.metric"
        ]
    assert poller.tracked[0].done and comments > 0
    # the scheduled load signs by this machine's clock: tell it where the sandbox's is now
    monkeypatch.setenv("SOURCES__SHOPEE__CLOCK_OFFSET_S", str(shopee.ctx.clock.now() - time.time()))

    result = evaluate()
    assert isinstance(result, SensorResult)
    requests = {
        tuple(r.asset_selection or []) == (LIVE_ENGAGEMENT_KEY,): r
        for r in result.run_requests or []
    }
    assert set(requests) == {True, False}
    day = datetime.fromtimestamp(live.start_ms / 1000, tz=UTC).date().isoformat()  # type: ignore[operator]
    assert requests[False].tags["dagster/asset_partition_range_start"] == day
    for request in requests.values():
        execute(request)

    final = snapshots[-1]
    assert query(
        warehouse,
        "select status, peak_viewers, comments, views from marts.fct_sessions "
        "where provider = 'shopee' and session_id = ?",
        [str(live.session_id)],
    ) == [("ended", final["peak_ccu"], final["comments"], final["views"])]
    assert query(
        warehouse,
        "select comments, peak_concurrent_viewers, snapshots from marts.live_engagement "
        "where session_id = ?",
        [str(live.session_id)],
    ) == [(comments, max(s["peak_ccu"] for s in snapshots), len(snapshots))]
