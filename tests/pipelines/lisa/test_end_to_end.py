"""LiSA through Dagster into a temp warehouse: marts to the digit, re-runs, the hourly refresh,
and the API key nowhere."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance

from dagster_project.defs.providers.schedules import SCHEDULES
from lsw.runner import materialize
from sandbox import SandboxServer
from sandbox.providers.lisa.service import DEFAULT_API_KEY
from tests.pipelines.lisa.conftest import service

FIRST, LAST = date(2026, 11, 17), date(2026, 11, 18)
EARLY = "27950230-6a46-4671-ab56-a3d55d10d246"
STREAM_1 = "1d32c0fe-c38b-4cf4-b13e-253118a315cd"  # 11-17 23:58:15 .. 11-18 00:48:03
STREAM_2 = "c4f5495a-36f8-423f-bf28-dca111b9fb9a"  # 11-18 01:00:33 .. 01:54:49
# EARLY's carousel as the sandbox answers it: (product id, "*" title, price, currency); the
# Premium Silk Scarf is also sold in a Swiss store at CHF 46.99, which is not its price here
CAROUSEL = [
    ("1538263f-4ac2-4b71-8cae-9ba7ca9d5413", "Signature Wool Coat", 37.99, "EUR"),
    ("2dfb4d28-b166-4b7e-9b23-9ef23580e967", "Everyday Silk Scarf", 35.99, "EUR"),
    ("37bdd552-f768-4d7e-bb52-c45cfbd08dc8", "Classic Wool Coat", 60.99, "EUR"),
    ("509ab60a-c398-49b6-9310-7b9bae435887", "Classic Linen Shirt", 53.99, "EUR"),
    ("68ff9434-7cc1-48da-a43d-7fd28be6ad88", "Organic Denim Jacket", 74.99, "EUR"),
    ("690ef155-878c-4ea8-9f41-2733c62d5ad9", "Limited Denim Jacket", 83.99, "EUR"),
    ("85a6df81-b39f-4be3-809d-567afea18ac1", "Premium Silk Scarf", 49.99, "EUR"),
]


def _rows(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _tables(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    names = [
        "lisa.shows",
        "lisa.streams",
        "lisa.show_products",
        "lisa.channels",
        "marts.fct_sessions",
        "marts.engagement_daily",
        "marts.product_performance",
        "marts.gmv_daily",
    ]
    return {t: sorted(_rows(warehouse, f"select * from {t}"), key=str) for t in names}


def test_marts_of_a_hand_checked_slice_and_nothing_changes_on_a_rerun(
    warehouse: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.DEBUG):
        outcome = materialize(["lisa"], FIRST, LAST)
    assert outcome.ok, outcome.failures

    # The show in no channel (account = the configured "sandbox-brand"), read off the
    # sandbox by hand: scheduled 11-18 00:10, streamed 23:58:15-00:48:03 (durationInMs
    # 2988000, 289 viewers, 296 emojis, 41 messages) and 01:00:33-01:54:49 (3256000, 315,
    # 290, 75). Engagement: (296 + 41) / 289 = 1.16609. and (290 + 75) / 315 = 1.15873.
    sessions = _rows(
        warehouse,
        "select * exclude (provider, account_id) from marts.fct_sessions "
        "where account_id = 'sandbox-brand' order by started_at",
    )
    assert sessions == [
        (STREAM_1, "Weekend deals", "ended", datetime(2026, 11, 18, 0, 10),
         datetime(2026, 11, 17, 23, 58, 15), datetime(2026, 11, 18, 0, 48, 3), FIRST,
         2988, 289, None, 296, 41, None, None, None, None, None, None, 337 / 289),
        (STREAM_2, "Weekend deals", "ended", datetime(2026, 11, 18, 0, 10),
         datetime(2026, 11, 18, 1, 0, 33), datetime(2026, 11, 18, 1, 54, 49), LAST,
         3256, 315, None, 290, 75, None, None, None, None, None, None, 365 / 315),
    ]  # fmt: skip
    # live minutes 2988 / 60 = 49.8 and 3256 / 60 = 54.2667; comments per live minute
    # 41 / 49.8 = 0.823293 and 75 / 54.2667 = 1.382064
    daily = _rows(
        warehouse,
        "select session_date, sessions, round(live_minutes, 4), views, peak_viewers, likes, "
        "comments, shares, round(engagement_rate, 6), round(comments_per_live_minute, 6) "
        "from marts.engagement_daily where account_id = 'sandbox-brand' order by session_date",
    )
    assert daily == [
        (FIRST, 1, 49.8, 289, None, 296, 41, None, 1.16609, 0.823293),
        (LAST, 1, 54.2667, 315, None, 290, 75, None, 1.15873, 1.382064),
    ]
    # the show's carousel belongs to each of its sessions; LiSA reports no product sales
    products = _rows(
        warehouse,
        "select session_id, product_id, product_name, price, currency, clicks, add_to_cart, "
        "items_sold, est_gmv from marts.product_performance where session_id in (?, ?) "
        "order by session_id, product_id",
        [STREAM_1, STREAM_2],
    )
    assert products == [
        (stream, pid, name, price, currency, None, None, None, None)
        for stream in (STREAM_1, STREAM_2)
        for pid, name, price, currency in CAROUSEL
    ]
    # the whole window: 19 streams started on 11-17 or 11-18, in 7 (day, account) groups;
    # no GMV, so nothing in gmv_daily
    assert _rows(warehouse, "select count(*) from marts.fct_sessions") == [(19,)]
    assert _rows(
        warehouse,
        "select session_date, account_id, sessions from marts.engagement_daily order by all",
    ) == [
        (FIRST, "beauty", 2),
        (FIRST, "fashion", 4),
        (FIRST, "home", 2),
        (FIRST, "sandbox-brand", 1),
        (LAST, "beauty", 2),
        (LAST, "fashion", 7),
        (LAST, "sandbox-brand", 1),
    ]
    assert _rows(warehouse, "select count(*) from marts.gmv_daily") == [(0,)]

    before = _tables(warehouse)
    with caplog.at_level(logging.DEBUG):
        assert materialize(["lisa"], FIRST, LAST).ok
    assert _tables(warehouse) == before

    _assert_no_key(warehouse, caplog.text + "".join(capfd.readouterr()))


def _assert_no_key(warehouse: Path, logged: str) -> None:
    """Not in any text column of any table, the Dagster event logs, or the captured logs."""
    assert DEFAULT_API_KEY not in logged
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON')"
        ).fetchall()
        assert len(columns) > 30
        for schema, table, column in columns:
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}"::varchar like ?',
                [f"%{DEFAULT_API_KEY}%"],
            ).fetchone()
            assert hits == (0,), f"{schema}.{table}.{column} holds the API key"
    instance = DagsterInstance.get()
    runs = instance.get_runs()
    assert runs
    for run in runs:
        for entry in instance.all_logs(run.run_id):
            assert DEFAULT_API_KEY not in str(entry)
    for path in (warehouse.parent / ".lsw").rglob("*"):
        if path.is_file():
            assert DEFAULT_API_KEY.encode() not in path.read_bytes(), path


def test_the_hourly_refresh_loads_edits_and_keeps_its_mark_on_failure(
    warehouse: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduled job (what runs every hour) through Dagster: a first run with no mark
    reaches back modified_lookback_days; an edit is loaded by the next run that succeeds,
    a failed run in between moving nothing; the marts pick it up on their next rebuild."""
    [schedule] = [s for s in SCHEDULES if s.name == "lisa__snapshots"]
    assert schedule.cron_schedule == "0 * * * *"
    monkeypatch.setenv("SOURCES__LISA__MODIFIED_LOOKBACK_DAYS", "3650")
    from dagster_project.definitions import defs

    job = defs.resolve_job_def("lisa__snapshot_job")
    instance = DagsterInstance.get()

    def refresh() -> tuple[dict[str, int], list[str]]:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        rows: dict[str, int] = {}
        for event in result.get_asset_materialization_events():
            materialization = event.step_materialization_data.materialization
            loaded = materialization.metadata["rows_loaded"].value
            rows[materialization.asset_key.path[-1]] = int(loaded)  # type: ignore[arg-type]
        failures = [
            str(e.event_specific_data.user_failure_data.description)  # type: ignore[union-attr]
            for e in result.all_events
            if e.event_type == DagsterEventType.STEP_FAILURE
        ]
        return rows, failures

    assert refresh() == (
        {"shows_modified": 265, "streams_modified": 265, "show_products_modified": 1703},
        [],
    )
    service(sandbox).edit_show(EARLY, title={"*": "Weekend deals, extended", "fr": "Prolongé"})

    sandbox.set_knobs("lisa", options={"api_key": "lisa_rotated_key_0004"})  # ours refused
    assert refresh() == (
        {},
        [
            "lisa: GET /channels: credentials refused "
            "(HTTP 401: You are not authorized to access the target resource.)"
        ],
    )
    sandbox.set_knobs("lisa", options={})
    # the edited show, its two streams and its seven products; nothing else
    assert refresh() == (
        {"shows_modified": 1, "streams_modified": 2, "show_products_modified": 7},
        [],
    )
    assert materialize([], FIRST, LAST).ok  # the marts alone
    assert _rows(
        warehouse,
        "select session_id, title from marts.fct_sessions where account_id = 'sandbox-brand' "
        "order by started_at",
    ) == [(STREAM_1, "Weekend deals, extended"), (STREAM_2, "Weekend deals, extended")]
