"""Firework through Dagster into a temp warehouse: the marts checked by hand, twice, no secret."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import DagsterInstance

from lsw.runner import materialize
from sandbox import SandboxServer
from tests.pipelines.firework.support import SECRET

DAY = date(2026, 11, 20)
HISTORY = (
    "firework.livestreams",
    "firework.products",
    "firework.product_units",
    "firework.product_images",
    "marts.fct_sessions",
    "marts.product_performance",
    "marts.engagement_daily",
    "marts.gmv_daily",
)


def _rows(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _session(lid: str, title: str, status: str, hour: int, minute: int, currency: str) -> tuple:
    # started_at, ended_at, duration and every figure: NULL (the API reports none)
    return (
        "firework",
        "ylqN7Z",
        lid,
        title,
        status,
        datetime(2026, 11, 20, hour, minute),
        None,
        None,
        DAY,
        *[None] * 9,
        currency,
        None,
        None,
    )


def test_a_day_through_dagster_gives_the_hand_checked_marts_again_and_no_secret(
    warehouse: Path,
    sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    with caplog.at_level(logging.DEBUG):
        first = materialize(["firework"], DAY, DAY)
    assert first.ok, first.failures
    assert len(first.run_ids) == 1

    # 2026-11-20 as the sandbox answers it at 12:00 UTC, read off each detail by hand:
    #   bRgVWt 03:30 replay -> ended   eKr1US 07:30 replay -> ended   PCreB7 11:30 active -> live
    #   g9IA0F 12:30 idle -> scheduled (GBP products) ... 2UeCub 23:30 idle -> scheduled
    # the titles are event_name; currency is the one all of a livestream's products share.
    assert _rows(warehouse, "select * from marts.fct_sessions order by scheduled_at") == [
        _session("bRgVWt", "Silk Beauty 24/7: Night Owl Deals", "ended", 3, 30, "USD"),
        _session("eKr1US", "Silk Beauty 24/7: Early Bird Picks", "ended", 7, 30, "USD"),
        _session("PCreB7", "Silk Beauty 24/7: Morning Show", "live", 11, 30, "USD"),
        _session("g9IA0F", "Weekend Flash Sale", "scheduled", 12, 30, "GBP"),
        _session("7OPRvo", "Silk Beauty 24/7: Midday Steals", "scheduled", 15, 30, "USD"),
        _session("1gqIRC", "Bundle Deals Hour", "scheduled", 16, 15, "INR"),
        _session("6R1joC", "Bundle Deals Hour", "scheduled", 18, 0, "EUR"),
        _session("Pql2dX", "Silk Beauty 24/7: Afternoon Edit", "scheduled", 19, 30, "USD"),
        _session("2UeCub", "Silk Beauty 24/7: Prime Time Live", "scheduled", 23, 30, "USD"),
    ]
    # 6R1joC lists three EUR products; each one's price is its first unit's:
    #   lsrl2J Coastal Knit Sweater  [One Size 27.99]                     -> 27.99
    #   GXW4M0 Coastal Leather Tote  [Black / S 159.99, Black / M 183.99] -> 159.99
    #   w2TE6J Urban Linen Shirt     [One Size 31.99]                     -> 31.99
    # no clicks, carts or sales are reported, so est_gmv = items_sold x price is NULL too
    assert _rows(
        warehouse,
        "select * from marts.product_performance where session_id = '6R1joC' order by product_id",
    ) == [
        (
            "firework",
            "6R1joC",
            "GXW4M0",
            "Coastal Leather Tote",
            159.99,
            "EUR",
            None,
            None,
            None,
            None,
        ),
        (
            "firework",
            "6R1joC",
            "lsrl2J",
            "Coastal Knit Sweater",
            27.99,
            "EUR",
            None,
            None,
            None,
            None,
        ),
        ("firework", "6R1joC", "w2TE6J", "Urban Linen Shirt", 31.99, "EUR", None, None, None, None),
    ]
    # 12 + 15 + 10 + 12 + 15 + 5 + 3 + 14 + 8 products over the nine livestreams
    assert _rows(warehouse, "select count(*) from marts.product_performance") == [(94,)]
    assert _rows(warehouse, "select count(*) from marts.gmv_daily") == [(0,)]  # no GMV
    assert _rows(warehouse, "select sessions, views, live_minutes from marts.engagement_daily") == [
        (9, None, None)
    ]
    # the run took one status snapshot too, and both steps shared one token
    assert _rows(warehouse, "select count(*) from firework.livestream_status") == [(283,)]
    assert sandbox.stats()["firework"]["tokens_issued"] == 1

    # materialising again changes nothing but adds a snapshot
    before = {t: sorted(_rows(warehouse, f"select * from {t}")) for t in HISTORY}
    second = materialize(["firework"], DAY, DAY)
    assert second.ok, second.failures
    assert {t: sorted(_rows(warehouse, f"select * from {t}")) for t in HISTORY} == before
    # of 283 livestreams 75 are not completed or expired: only those are observed again
    assert _rows(warehouse, "select count(*) from firework.livestream_status") == [(283 + 75,)]
    assert sandbox.stats()["firework"]["tokens_issued"] == 1

    # neither the client secret nor the token shows anywhere
    store = Path(os.environ["LSW_TOKEN_DIR"]) / "firework" / "ylq%4E7%5A.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    token = json.loads(store.read_text())["access_token"]
    secrets = (SECRET, token)
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    events = [
        e.user_message
        for run_id in first.run_ids + second.run_ids
        for e in DagsterInstance.get().all_logs(run_id)
    ]
    # the first history step kept the day's 9 of 283 details; the first snapshot wrote every
    # one's status but asked only for the 75 the history step had not just read ended; the
    # second run read only what could have changed: the snapshot the 75 livestreams not
    # yet ended, the history step the 22 not yet placed on another day (idle ones, and the
    # deleted one, whose 404 is a request but no page); the step that ran first asked for
    # the token (1 request), the others found it in the store
    fetched = sorted(m for m in events if m.startswith("firework: ") and " fetched in " in m)
    assert [m.replace("285", "284") for m in fetched] == [
        "firework: 283 rows fetched in 75 pages, 76 requests",
        "firework: 75 rows fetched in 75 pages, 76 requests",
        "firework: 9 rows fetched in 22 pages, 23 requests",
        "firework: 9 rows fetched in 283 pages, 284 requests",
    ]
    assert sum("285 requests" in m for m in fetched) == 1
    for secret in secrets:
        assert secret not in logged
        assert not [m for m in events if secret in m]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute("""select table_schema, table_name, column_name
            from information_schema.columns where data_type = 'VARCHAR'""").fetchall()
        for schema, table, column in columns:
            for secret in secrets:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" where "{column}" like ?',
                    [f"%{secret}%"],
                ).fetchone()
                assert hits == (0,), f"{schema}.{table}.{column} holds a secret"
    for path in (warehouse.parent / ".lsw").rglob("*"):
        if path.is_file() and path != store:
            body = path.read_bytes()
            assert not any(secret.encode() in body for secret in secrets), path
