"""Each mart check passes on good rows and fails, naming what is wrong, on bad ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from dagster_project.defs.marts.checks import (
    Window,
    ended_after_started,
    fx_rate_known,
    gmv_usd_matches_rate,
    grain_unique,
    non_negative,
    stale_providers,
)
from models.catalog import FCT_SESSIONS, GMV_DAILY, PRODUCT_PERFORMANCE
from models.schema import FCT_SESSIONS as FCT_TYPES
from models.schema import PRODUCT_PERFORMANCE as PRODUCT_TYPES
from warehouse.store import DuckStore

WINDOW = Window(date(2026, 11, 18), date(2026, 11, 20))


def _session(session_id: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(FCT_TYPES)
    row |= {
        "provider": "tiktok_shop",
        "account_id": "gb",
        "session_id": session_id,
        "status": "ended",
        "started_at": datetime(2026, 11, 18, 12),
        "ended_at": datetime(2026, 11, 18, 13),
        "session_date": date(2026, 11, 18),
        "views": 100,
        "gmv": 10.0,
        "currency": "GBP",
        "gmv_usd": 12.7,
    }
    return row | changes


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as con:
        con.execute("create schema marts")
        rates = pl.DataFrame({"currency": ["GBP", "USD"], "usd_per_unit": [1.27, 1.0]})
        con.register("rates", rates)
        con.execute("create table marts.dim_fx_rates as select * from rates")
        yield con


def _sessions(con: duckdb.DuckDBPyConnection, *rows: dict[str, object]) -> None:
    con.register("frame", pl.DataFrame(list(rows), schema=FCT_TYPES))
    con.execute("create or replace table marts.fct_sessions as select * from frame")


def test_good_sessions_pass_every_rule(con: duckdb.DuckDBPyConnection) -> None:
    _sessions(con, _session("1"), _session("2", session_date=date(2026, 11, 19)))
    outcomes = [
        grain_unique(DuckStore(con), FCT_SESSIONS, WINDOW),
        non_negative(DuckStore(con), FCT_SESSIONS, WINDOW),
        fx_rate_known(DuckStore(con), WINDOW),
        gmv_usd_matches_rate(DuckStore(con), WINDOW),
        ended_after_started(DuckStore(con), WINDOW),
    ]
    assert [o.passed for o in outcomes] == [True] * 5


def test_a_session_in_two_days_breaks_the_grain(con: duckdb.DuckDBPyConnection) -> None:
    # rebuilt in the window, and still present on a day outside it
    _sessions(con, _session("1"), _session("1", session_date=date(2026, 11, 2)))
    outcome = grain_unique(DuckStore(con), FCT_SESSIONS, WINDOW)
    assert not outcome.passed
    assert outcome.description == ("1 keys (provider, session_id) repeat: tiktok_shop, 1, 2")


def test_negative_figures_are_named(con: duckdb.DuckDBPyConnection) -> None:
    _sessions(con, _session("1", views=-3), _session("2", gmv=-1.0, gmv_usd=-1.27))
    outcome = non_negative(DuckStore(con), FCT_SESSIONS, WINDOW)
    assert (outcome.passed, outcome.bad_rows) == (False, 3)
    assert (
        outcome.description == "negative figures: views in 1 rows, gmv in 1 rows, gmv_usd in 1 rows"
    )


def test_a_currency_without_a_rate_is_named(con: duckdb.DuckDBPyConnection) -> None:
    _sessions(con, _session("1", currency="TWD", gmv_usd=None), _session("2"))
    outcome = fx_rate_known(DuckStore(con), WINDOW)
    assert not outcome.passed
    assert outcome.description == (
        "no FX rate for TWD (1 sessions): add it to LSW_FX_RATES (currency,usd_per_unit)"
    )


def test_gmv_usd_off_by_a_cent_fails(con: duckdb.DuckDBPyConnection) -> None:
    _sessions(con, _session("1", gmv=1859.42, gmv_usd=2361.47), _session("2"))
    outcome = gmv_usd_matches_rate(DuckStore(con), WINDOW)
    assert not outcome.passed and outcome.bad_rows == 1
    assert "tiktok_shop, 1, 1859.42, 1.27, 2361.47" in outcome.description


def test_ended_before_started_fails(con: duckdb.DuckDBPyConnection) -> None:
    _sessions(con, _session("1", ended_at=datetime(2026, 11, 18, 11)))
    outcome = ended_after_started(DuckStore(con), WINDOW)
    assert not outcome.passed
    assert outcome.description.startswith("1 ended sessions end before they start: tiktok_shop, 1")


def test_rows_outside_the_window_are_not_this_runs_business(con: duckdb.DuckDBPyConnection) -> None:
    _sessions(con, _session("1", views=-3, session_date=date(2026, 11, 2)))
    assert non_negative(DuckStore(con), FCT_SESSIONS, WINDOW).passed


def test_products_are_checked_through_their_sessions(con: duckdb.DuckDBPyConnection) -> None:
    _sessions(con, _session("1"))
    row = dict.fromkeys(PRODUCT_TYPES) | {
        "provider": "tiktok_shop",
        "session_id": "1",
        "product_id": "p",
        "items_sold": 2,
    }
    con.register("products", pl.DataFrame([row, row], schema=PRODUCT_TYPES))
    con.execute("create table marts.product_performance as select * from products")
    assert not grain_unique(DuckStore(con), PRODUCT_PERFORMANCE, WINDOW).passed
    con.execute("delete from marts.product_performance where rowid = 0")
    assert grain_unique(DuckStore(con), PRODUCT_PERFORMANCE, WINDOW).passed


def test_daily_grain(con: duckdb.DuckDBPyConnection) -> None:
    row = {
        "session_date": date(2026, 11, 18),
        "provider": "shopee",
        "account_id": "1",
        "currency": "TWD",
        "sessions": 1,
    }
    con.register("frame", pl.DataFrame([row, row], schema_overrides={"session_date": pl.Date}))
    con.execute("create table marts.gmv_daily as select * from frame")
    outcome = grain_unique(DuckStore(con), GMV_DAILY, WINDOW)
    assert not outcome.passed and "2026-11-18, shopee, 1, TWD, 2" in outcome.description


def test_freshness_names_the_late_providers() -> None:
    today = date(2026, 11, 20)
    assert stale_providers({"shopee": date(2026, 11, 17)}, {"shopee": 2}, today) == ""
    assert stale_providers(
        {"shopee": date(2026, 11, 16), "lisa": None}, {"shopee": 2, "lisa": 2}, today
    ) == (
        "lisa (latest loaded day never, expected 2026-11-17 or later); "
        "shopee (latest loaded day 2026-11-16, expected 2026-11-17 or later)"
    )
