"""A two-day range materialised through Dagster into a temp warehouse, checked to the cent."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from lsw.runner import materialize
from sandbox import SandboxServer
from sandbox.providers.tiktok_shop import DEFAULT_API_KEY

FIRST, LAST = date(2026, 11, 18), date(2026, 11, 19)
GB_SELLER = "5460705933170851228"


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_two_day_range_gives_the_hand_checked_marts(warehouse: Path) -> None:
    outcome = materialize(["tiktok_shop"], FIRST, LAST)
    assert outcome.ok and len(outcome.run_ids) == 1

    # The GB shop on 2026-11-18, read off the sandbox's KeyAPI answers by hand:
    #   room 4296937017849172849 12:42:40 UTC, 4920 s, 17401 views, peak 1932, 66 sold, 1859.42 GBP
    #   room 7593370703821700417 20:24:19 UTC, 3514 s,  1046 views, peak  115, 28 sold,  616.47 GBP
    # At 1.27 USD/GBP: 2361.4634 -> 2361.46 and 782.9169 -> 782.92 USD.
    sessions = _rows(
        warehouse,
        f"""
        select * exclude (provider, account_id) from marts.fct_sessions
        where account_id = '{GB_SELLER}' and session_date = '2026-11-18' order by started_at""",
    )
    assert sessions == [
        (
            "4296937017849172849",
            "Fashion Try-On #1",
            "ended",
            None,
            datetime(2026, 11, 18, 12, 42, 40),
            datetime(2026, 11, 18, 14, 4, 40),
            date(2026, 11, 18),
            4920,
            17401,
            1932,
            None,
            None,
            None,
            None,
            66,
            1859.42,
            "GBP",
            2361.46,
            None,
        ),
        (
            "7593370703821700417",
            "Mega Deals Night #2",
            "ended",
            None,
            datetime(2026, 11, 18, 20, 24, 19),
            datetime(2026, 11, 18, 21, 22, 53),
            date(2026, 11, 18),
            3514,
            1046,
            115,
            None,
            None,
            None,
            None,
            28,
            616.47,
            "GBP",
            782.92,
            None,
        ),
    ]
    daily = _rows(
        warehouse,
        f"""
        select sessions, round(live_hours, 6), orders, items_sold, gmv, gmv_usd,
               round(gpm_usd, 6), round(gmv_usd_per_live_hour, 6)
        from marts.gmv_daily where account_id = '{GB_SELLER}' and session_date = '2026-11-18'""",
    )
    # live hours 8434/3600; gpm 3144.38 / 18447 views * 1000; per hour 3144.38 / 2.342778
    assert daily == [(2, 2.342778, None, 94, 2475.89, 3144.38, 170.454817, 1342.158881)]

    assert _rows(warehouse, "select count(*) from marts.fct_sessions") == [(9,)]
    assert _rows(
        warehouse,
        """select provider, currency, count(*), sum(sessions)
        from marts.gmv_daily group by all order by currency""",
    ) == [
        ("tiktok_shop", "GBP", 2, 3),
        ("tiktok_shop", "IDR", 2, 2),
        ("tiktok_shop", "THB", 1, 1),
        ("tiktok_shop", "USD", 2, 3),
    ]
    # a session that sold nothing still has a GMV (0), so it counts in gmv_daily
    assert _rows(
        warehouse,
        """select gmv, gmv_usd from marts.gmv_daily
        where currency = 'IDR' and session_date = '2026-11-19'""",
    ) == [(0.0, 0.0)]


def test_materialising_again_changes_nothing(warehouse: Path) -> None:
    tables = [
        "tiktok_shop.livestreams",
        "marts.fct_sessions",
        "marts.gmv_daily",
        "marts.dim_fx_rates",
    ]
    assert materialize(["tiktok_shop"], FIRST, LAST).ok
    before = {t: sorted(_rows(warehouse, f"select * from {t}")) for t in tables}
    assert materialize(["tiktok_shop"], FIRST, LAST).ok
    after = {t: sorted(_rows(warehouse, f"select * from {t}")) for t in tables}
    assert before == after and len(before["marts.fct_sessions"]) == 9
    runs = DagsterInstance.get().get_runs()
    assert len(runs) == 2  # both recorded where the UI looks


def test_a_failing_provider_keeps_its_rows_and_the_marts_still_build(
    warehouse: Path, sandbox: SandboxServer
) -> None:
    sandbox.set_knobs("tiktok_shop", options={"credit_budget": 3})
    outcome = materialize(["tiktok_shop"], FIRST, LAST)
    assert outcome.failures == [
        "tiktok_shop: GET /v1/tiktok/shop/livestreams/analytics: "
        "credits exhausted (HTTP 402: apiKey quota is not enough)"
    ]
    loaded = _rows(warehouse, "select count(*) from tiktok_shop.livestreams")[0][0]
    assert 0 < loaded < 9
    assert _rows(warehouse, "select count(*) from marts.fct_sessions") == [(loaded,)]
    assert len(outcome.run_ids) == 1  # the marts were rebuilt in the same run


def test_no_secret_anywhere(
    warehouse: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert materialize(["tiktok_shop"], FIRST, LAST).ok
    out, err = capfd.readouterr()
    assert DEFAULT_API_KEY not in caplog.text + out + err
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute("""select table_schema, table_name, column_name
            from information_schema.columns where data_type = 'VARCHAR'""").fetchall()
        for schema, table, column in columns:
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" like ?',
                [f"%{DEFAULT_API_KEY}%"],
            ).fetchone()
            assert hits == (0,), f"{schema}.{table}.{column} holds the API key"
    # the Dagster instance (event log, run storage) and dlt's working files
    state = warehouse.parent / ".lsw"
    for path in state.rglob("*"):
        if path.is_file():
            assert DEFAULT_API_KEY.encode() not in path.read_bytes(), path


def _hold_read_lock(warehouse: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Another process (a notebook, say) reading the warehouse: it holds DuckDB's file lock."""
    code = (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect({str(warehouse)!r}, read_only=True)\n"
        "print('locked', flush=True)\n"
        f"time.sleep({seconds})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"locked\n"
    return proc


def test_a_reader_delays_the_load_but_never_fails_it(
    warehouse: Path, sandbox: SandboxServer
) -> None:
    assert materialize(["tiktok_shop"], FIRST, FIRST).ok  # the warehouse file exists
    # Each page takes 1 s to come, so the reader grabs the lock after dlt has read its state
    # and holds it until after the pages are in: the load itself meets the lock.
    sandbox.set_knobs("tiktok_shop", latency_ms=1000)
    readers: list[subprocess.Popen[bytes]] = []

    def reader_once_paging_starts() -> None:
        deadline = time.monotonic() + 30
        while sandbox.stats()["tiktok_shop"]["requests"] < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        readers.append(_hold_read_lock(warehouse, 4))

    thread = threading.Thread(target=reader_once_paging_starts)
    thread.start()
    credits_before = sandbox.stats()["tiktok_shop"]["credits_used"]
    outcome = materialize(["tiktok_shop"], FIRST, LAST)
    thread.join()
    assert outcome.ok, outcome.failures
    assert readers and readers[0].wait(timeout=30) == 0
    assert _rows(warehouse, "select count(*) from marts.fct_sessions") == [(9,)]
    # the load did meet the lock, and waited instead of failing
    logs = DagsterInstance.get().all_logs(outcome.run_ids[0])
    waits = [
        e for e in logs if "waiting for the warehouse (held by another process)" in e.user_message
    ]
    assert len(waits) == 1
    # and nothing was fetched twice to get there: one page per seller, as without a reader
    assert sandbox.stats()["tiktok_shop"]["credits_used"] - credits_before == 4
