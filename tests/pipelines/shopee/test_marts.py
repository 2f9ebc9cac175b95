"""Shopee end to end: sandbox -> dlt -> DuckDB -> marts, in one Dagster run (lsw.runner).

The hand-checked slice is the ``before_midnight`` showcase session, the only session of the
TH account (user 373575247) dated 2026-11-18: it starts 23:52 and ends 00:42 UTC the next day.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import DagsterInstance

from lsw.runner import materialize
from sandbox import SandboxServer
from sandbox.providers.shopee import ShopeeService
from tests.conftest import FROZEN_AT

FIRST, LAST = date(2026, 11, 18), date(2026, 11, 19)
TH = "373575247"


@pytest.fixture
def shopee_warehouse(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared warehouse fixture, Shopee's signing clock set to the sandbox's frozen one."""
    monkeypatch.setenv("SOURCES__SHOPEE__CLOCK_OFFSET_S", str(FROZEN_AT - time.time()))
    monkeypatch.setenv("SOURCES__SHOPEE__BACKOFF_S", "0.01")
    return warehouse


def _rows(warehouse: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _check_the_slice(shopee_warehouse: Path, sandbox: SandboxServer) -> None:
    sid = str(sandbox.runtime.services["shopee"].showcase.before_midnight)  # type: ignore[attr-defined]
    # detail: started 23:52, ended 00:42 -> 3000 s, dated by its start (the 18th)
    # metric: views 5000, peak_ccu 450, likes 10554, comments 154, shares 46, orders 54,
    # gmv 22499.0 THB; item metrics (24 items, one page) sold 2+2+1+9+1+3+1+1+1+15+2+1+1+5+1
    # +2+3+1+1+1+4+1 = 59 units, and sum(sold x price) = 2x1293 + 2x149 + 125 + 9x47 + 540
    # + 3x1465 + 127 + 184 + 1780 + 15x442 + 2x140 + 529 + 160 + 5x462 + 100 + 2x137 + 3x85
    # + 130 + 249 + 197 + 4x124 + 431 = 22499 (= the metric's gmv)
    # gmv_usd = 22499 x 0.029 (THB, models/data/fx_rates.csv) = 652.471 -> 652.47
    # engagement_rate = (10554 + 154 + 46) / 5000 = 2.1508
    assert _rows(
        shopee_warehouse,
        "select * exclude (provider, session_id, title, scheduled_at, started_at, ended_at) "
        "from marts.fct_sessions where session_id = ?",
        sid,
    ) == [
        (
            TH,
            "ended",
            date(2026, 11, 18),
            3000,
            5000,
            450,
            10554,
            154,
            46,
            54,
            59,
            22499.0,
            "THB",
            652.47,
            2.1508,
        )
    ]
    # gmv_daily: 1 session, 3000 s = 0.8333 h, gpm = 652.47 x 1000 / 5000 = 130.494,
    # per live hour = 652.47 / (3000 / 3600) = 782.964
    [gmv] = _rows(
        shopee_warehouse,
        "select * exclude (provider) from marts.gmv_daily where account_id = ? "
        "and session_date = ?",
        TH,
        FIRST,
    )
    assert gmv[:8] == (FIRST, TH, "THB", 1, pytest.approx(3000 / 3600), 54, 59, 22499.0)
    assert gmv[8:] == (652.47, pytest.approx(130.494), pytest.approx(782.964))
    # engagement_daily: 50 live minutes, 154 comments / 50 = 3.08 a minute
    assert _rows(
        shopee_warehouse,
        "select sessions, live_minutes, views, peak_viewers, likes, comments, shares, "
        "engagement_rate, comments_per_live_minute from marts.engagement_daily "
        "where account_id = ? and session_date = ?",
        TH,
        FIRST,
    ) == [(1, 50.0, 5000, 450, 10554, 154, 46, 2.1508, 3.08)]
    # product_performance: its 24 items; the best seller 15 x 442 = 6630 THB
    products = _rows(
        shopee_warehouse,
        "select product_name, price, currency, clicks, add_to_cart, items_sold, est_gmv "
        "from marts.product_performance where session_id = ? order by est_gmv desc",
        sid,
    )
    assert len(products) == 24 and sum(p[-1] for p in products) == 22499.0
    assert products[0] == ("Daily Wireless Earbuds #37", 442.0, "THB", 168, 24, 15, 6630.0)
    # every session of the window, each once, on the day it started (or was created)
    assert _rows(
        shopee_warehouse,
        "select count(*), count(distinct session_id) from "
        "marts.fct_sessions where provider = 'shopee'",
    ) == [(35, 35)]
    assert _rows(shopee_warehouse, "select count(*) from shopee.sessions") == [(35,)]


def _everything(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables = _rows(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('shopee', 'marts') and table_name not like '_dlt%'",
    )
    return {
        f"{schema}.{table}": _rows(warehouse, f'select * from {schema}."{table}" order by all')
        for schema, table in tables
    }


def test_marts_hold_the_hand_checked_slice_a_rerun_changes_nothing_and_no_secret_leaks(
    shopee_warehouse: Path,
    sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    with caplog.at_level(logging.DEBUG):
        first = materialize(["shopee"], FIRST, LAST)
        assert first.ok, first.failures
        _check_the_slice(shopee_warehouse, sandbox)
        before = _everything(shopee_warehouse)
        second = materialize(["shopee"], FIRST, LAST)
        assert second.ok, second.failures
    assert _everything(shopee_warehouse) == before and len(before["marts.fct_sessions"]) == 35

    service: ShopeeService = sandbox.runtime.services["shopee"]  # type: ignore[assignment]
    env = sandbox.env()
    state = shopee_warehouse.parent / ".lsw"
    stored = sorted((Path(os.environ["LSW_TOKEN_DIR"]) / "shopee").glob("*.json"))
    assert len(stored) == 8
    secrets = {env["SOURCES__SHOPEE__PARTNER_KEY"]}
    secrets |= {a["refresh_token"] for a in json.loads(env["SOURCES__SHOPEE__ACCOUNTS"])}
    for path in stored:
        assert path.stat().st_mode & 0o777 == 0o600
        record = json.loads(path.read_text())
        secrets |= {record["access_token"], record["refresh_token"]}
    assert len(secrets) == 1 + 8 + 16 and service.tokens.refreshes == 8

    out, err = capfd.readouterr()
    logs = caplog.text + out + err
    for run_id in first.run_ids + second.run_ids:
        for entry in DagsterInstance.get().all_logs(run_id):
            logs += entry.user_message + repr(entry.dagster_event)
    with duckdb.connect(str(shopee_warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            values = con.execute(f'select distinct "{column}" from "{schema}"."{table}"').fetchall()
            logs += "\n".join(str(v) for (v,) in values)
    files = [p for p in state.rglob("*") if p.is_file() and "tokens" not in p.parts]
    assert files  # dlt's working files and the Dagster instance
    blobs = [p.read_bytes() for p in files]
    for secret in secrets:
        assert secret not in logs
        assert not any(secret.encode() in blob for blob in blobs), secret[:4]
