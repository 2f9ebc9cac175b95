"""Trovo end to end: three snapshot runs as the schedule takes them, then `lsw run`'s one
Dagster run (followers, a fourth snapshot, the marts), checked to the figure; again,
changing nothing; and no secret anywhere."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import DagsterInstance

from dagster_project.dlt_run import load
from dagster_project.resources import Warehouse
from lsw.runner import materialize
from pipelines.report import RunReport
from pipelines.tokens import default_store
from pipelines.trovo import SPEC, trovo_snapshot_source
from pipelines.trovo.settings import TOKEN_ACCOUNT
from sandbox import SandboxServer
from tests.conftest import FROZEN_AT

DAY = date(2026, 11, 20)
MINUTE = 60


def _rows(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _snapshot() -> None:
    """A snapshot run as the Dagster asset runs it (dagster_project/dlt_run.py), without
    Dagster's own seconds per run: the warehouse's dlt pipeline, writer lock and all."""
    report = RunReport("trovo")
    config = SPEC.read_config()
    assert config is not None
    warehouse = Warehouse()
    pipeline = warehouse.pipeline("trovo", "snapshot-test")
    load(warehouse, pipeline, trovo_snapshot_source(config, report), lambda: None)
    assert not report.errors


def _marts(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables = ["marts.fct_sessions", "marts.engagement_daily", "marts.followers_daily"]
    return {t: sorted(_rows(warehouse, f"select * from {t}"), key=repr) for t in tables}


def test_snapshots_and_followers_make_the_hand_checked_marts(
    warehouse: Path,
    sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    env = sandbox.env()
    secrets = [
        env[f"SOURCES__TROVO__{k}"] for k in ("CLIENT_SECRET", "ACCESS_TOKEN", "REFRESH_TOKEN")
    ]
    # Trovo answers 11714 for the configured token from the start: the first snapshot
    # refreshes it, so rotated tokens exist to look for as well.
    sandbox.set_knobs(
        "trovo", rate_limit=1200, rate_window_s=60, options={"expire_tokens": [secrets[1]]}
    )
    run_ids: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for minutes in (75, 90, 135):  # 13:15, 13:30, 14:15: LeafHawk live, 306/752/594
            sandbox.freeze_clock(FROZEN_AT + minutes * MINUTE)
            _snapshot()
        sandbox.freeze_clock(FROZEN_AT + 150 * MINUTE)  # 14:30: LeafHawk ended at 14:24:11
        outcome = materialize(["trovo"], DAY, DAY)  # followers, a fourth snapshot, the marts
    assert outcome.ok, outcome.failures
    run_ids += outcome.run_ids
    leaf = "100000131"  # ids[3] LeafHawk

    # Hand-checked from the sandbox's answers: channels/id at 13:15, 13:30 and 14:15 says
    # live (ended_at 2026-11-19 17:15:50 < started_at 13:09:44 = 1795180184) with 306, 752
    # and 594 viewers; at 14:30 not live, ended_at 14:24:11. One session, peak 752,
    # 14:24:11 - 13:09:44 = 4467 s = 74.45 live minutes. The other channels start later.
    assert _rows(warehouse, "select * from marts.fct_sessions") == [
        ("trovo", leaf, f"{leaf}:1795180184", "Chill ranked grind, come hang", "ended", None,
         datetime(2026, 11, 20, 13, 9, 44), datetime(2026, 11, 20, 14, 24, 11), DAY, 4467,
         None, 752, None, None, None, None, None, None, None, None, None),
    ]  # fmt: skip
    assert _rows(warehouse, "select * from marts.engagement_daily") == [
        (DAY, "trovo", leaf, 1, 74.45, None, 752, None, None, None, None, None)
    ]
    # followers/ of 2026-11-20 up to 14:30: YukiHawk 10:50:30; AtlasKing 7 (00:19:15 ..
    # 13:47:13); TangoBeats none; LeafHawk 08:34:20 and 13:03:40. Totals: the 14:30
    # snapshot's followers count, the day's latest (8607, 10385, 4399, 9084).
    assert _rows(warehouse, "select * from marts.followers_daily order by account_id") == [
        (DAY, "trovo", "100000034", 1, 8607),
        (DAY, "trovo", "100000043", 7, 10385),
        (DAY, "trovo", "100000099", 0, 4399),
        (DAY, "trovo", leaf, 2, 9084),
    ]
    assert _rows(warehouse, "select count(*) from trovo.channel_snapshots") == [(16,)]
    assert _rows(warehouse, "select count(*), count(distinct observed_at) from trovo.viewers") == [
        (16, 4)
    ]
    assert sandbox.stats()["trovo"]["refreshes"] == 1  # once, then the stored token served

    # Again: the same marts, the same followers (a snapshot more, appended)
    before = _marts(warehouse)
    followers = sorted(_rows(warehouse, "select * from trovo.followers"))
    again = materialize(["trovo"], DAY, DAY)
    assert again.ok and _marts(warehouse) == before
    assert sorted(_rows(warehouse, "select * from trovo.followers")) == followers
    assert len(followers) == 10
    run_ids += again.run_ids

    # No secret anywhere: not the configured ones, not the rotated ones
    stored = default_store().load("trovo", TOKEN_ACCOUNT)
    assert stored is not None and stored.access_token not in secrets
    secrets += [stored.access_token, stored.refresh_token or "-"]
    out, err = capfd.readouterr()
    logs = caplog.text + out + err
    instance = DagsterInstance.get()
    events = "".join(str(e.dagster_event or "") + (e.user_message or "") for run in run_ids
                     for e in instance.all_logs(run))  # fmt: skip
    assert "trovo: taking a snapshot" in events  # the event log was read
    assert "trovo account default: access token refreshed from the configured credential" in logs
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute("""select table_schema, table_name, column_name
            from information_schema.columns where data_type = 'VARCHAR'""").fetchall()
        dumps = [
            "".join(str(v) for (v,) in con.execute(f'select "{c}" from "{s}"."{t}"').fetchall())
            for s, t, c in columns
        ]
    files = [
        path.read_bytes()
        for path in (warehouse.parent / ".lsw").rglob("*")
        if path.is_file() and "tokens" not in path.parts  # the token store holds them, 0600
    ]
    for secret in secrets:
        assert secret not in logs and secret not in events
        assert not any(secret in dump for dump in dumps)
        assert not any(secret.encode() in blob for blob in files)
