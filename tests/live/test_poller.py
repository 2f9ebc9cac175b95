"""The Shopee poller against the sandbox's live session, the sandbox clock moved in steps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from live.poller import Intervals, ShopeePoller
from live.shopee_schema import COMMENT, METRIC, SESSION
from live.store import SqliteLandingStore
from pipelines.config import read_config
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.settings import ConfiguredSession, ShopeeConfig
from pipelines.tokens import FileTokenStore
from sandbox import SandboxServer
from sandbox.providers.shopee import ShopeeService
from sandbox.providers.shopee import world as w

FAST: dict[str, float] = {
    "timeout_s": 5,
    "max_attempts": 3,
    "backoff_s": 0.01,
    "backoff_max_s": 0.05,
}


@pytest.fixture
def service(sandbox: SandboxServer) -> ShopeeService:
    shopee = sandbox.runtime.services["shopee"]
    assert isinstance(shopee, ShopeeService)
    return shopee


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteLandingStore]:
    with SqliteLandingStore(tmp_path / "landing.sqlite3") as landing:
        yield landing


def poller(
    sandbox: SandboxServer,
    service: ShopeeService,
    store: SqliteLandingStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    intervals: Intervals,
) -> ShopeePoller:
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)
    config = read_config(ShopeeConfig)
    assert config is not None
    for name, setting in FAST.items():
        setattr(config, name, setting)
    clock = service.ctx.clock.now  # signatures and schedules follow the sandbox's clock
    api = ShopeeApi(config, store=FileTokenStore(tmp_path / "tokens"), clock=clock)
    live = service.sessions[service.showcase.live]
    return ShopeePoller(api, store, [ConfiguredSession(live.user_id, live.session_id)], intervals)


def expected_comments(
    service: ShopeeService, from_s: float, to_s: float
) -> list[dict[str, object]]:
    s = service.sessions[service.showcase.live]
    return w.comments_between(
        service.ctx.seed, s, service.viewers[s.region], int(from_s * 1000), int(to_s * 1000)
    )


def post_comments(service: ShopeeService, n: int) -> None:
    """The streamer posts ``n`` comments in the current sandbox second (more than a page)."""
    s = service.sessions[service.showcase.live]
    for i in range(n):
        s.posted.append(
            {
                "comment_id": int(service.ctx.clock.now()) * 10_000 + 9_000 + i,
                "content": f"flash sale {i}",
                "timestamp": int(service.ctx.clock.now() * 1000),
                "user_id": s.user_id,
                "username": "streamer",
            }
        )


def test_every_comment_of_a_live_session_is_captured_exactly_once(
    sandbox: SandboxServer,
    service: ShopeeService,
    store: SqliteLandingStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = poller(sandbox, service, store, tmp_path, monkeypatch, Intervals(comment_s=5))
    start = service.ctx.clock.now()
    for step in range(36):  # three minutes in 5-second steps
        if step == 10:
            post_comments(service, 150)  # two pages in one poll
        p.cycle()
        sandbox.advance_clock(5)
    p.cycle()
    end = service.ctx.clock.now()
    expected = expected_comments(service, start - 10, end)
    assert len(expected) > 150
    landed = store.read(0, 10_000)
    comments = [orjson.loads(r.body) for r in landed if r.source == COMMENT]
    assert len(comments) == len(expected) == store.count(COMMENT)
    assert [
        {k: c[k] for k in ("comment_id", "content", "timestamp", "user_id", "username")}
        for c in sorted(comments, key=lambda c: c["comment_id"])
    ] == expected
    p.close()


def test_metric_snapshots_while_live_and_final_figures_at_the_end(
    sandbox: SandboxServer,
    service: ShopeeService,
    store: SqliteLandingStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = service.sessions[service.showcase.live]
    p = poller(sandbox, service, store, tmp_path, monkeypatch, Intervals(metric_s=20, detail_s=30))
    for _ in range(13):  # 60 s in 5-second steps: snapshots at 0, 20, 40 and 60 s
        p.cycle()
        sandbox.advance_clock(5)
    snapshots = [orjson.loads(r.body) for r in store.read(0, 10_000) if r.source == METRIC]
    assert len(snapshots) == 4
    for snap in snapshots:
        figures = {
            k: v for k, v in snap.items() if k not in ("session_id", "user_id", "observed_at")
        }
        assert figures == service.expected_metric(live.session_id, snap["observed_at"])
        assert figures["ccu"] > 0
    assert live.end_ms is not None
    sandbox.advance_clock(live.end_ms / 1000 - service.ctx.clock.now() + 1)
    p.cycle()  # the detail says ended: last comments, final figures, the session's end
    assert p.tracked[0].done
    last = orjson.loads(store.read(0, 10_000)[-1].body)
    assert last["status"] == 2 and last["end_time"] > 0
    final = [orjson.loads(r.body) for r in store.read(0, 10_000) if r.source == METRIC][-1]
    assert final["ccu"] == 0
    assert final["comments"] == live.audience.comments
    statuses = [
        orjson.loads(r.body)["status"] for r in store.read(0, 10_000) if r.source == SESSION
    ]
    assert statuses == [1, 2]
    p.cycle()  # a session done is not polled again
    assert store.count(METRIC) == 5
    p.close()
