"""The marts: rebuilt per partition window from every provider's raw tables."""

from collections.abc import Iterator
from datetime import date

import duckdb
import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    asset,
    multi_asset,
)

from dagster_project.defs.marts.inputs import RAW_KEYS, staged_window
from dagster_project.partitions import daily, single_run
from dagster_project.resources import Warehouse
from models.fx import load_rates
from models.marts.engagement import engagement_daily
from models.marts.followers import followers_daily
from models.marts.gmv import gmv_daily
from models.marts.products import product_performance
from models.marts.sessions import fct_sessions
from models.staging.staged import Staged
from warehouse.db import connect, read_frame, replace_rows, table_exists

FX_KEY = AssetKey(["marts", "dim_fx_rates"])
FCT_KEY = AssetKey(["marts", "fct_sessions"])
GMV_KEY = AssetKey(["marts", "gmv_daily"])
ENGAGEMENT_KEY = AssetKey(["marts", "engagement_daily"])
PRODUCTS_KEY = AssetKey(["marts", "product_performance"])
FOLLOWERS_KEY = AssetKey(["marts", "followers_daily"])


@asset(key=FX_KEY, group_name="marts", kinds={"polars", "duckdb"})
def dim_fx_rates(warehouse: Warehouse) -> MaterializeResult:
    """USD per unit of each currency: shipped in the repository, overridable (LSW_FX_RATES)."""
    rates = load_rates()
    with connect(warehouse.file) as con:
        replace_rows(con, "marts.dim_fx_rates", rates, "true", [])
    return MaterializeResult(metadata={"currencies": rates.height})


def _spec(key: AssetKey, *deps: AssetKey) -> AssetSpec:
    return AssetSpec(key, deps=list(deps), group_name="marts", kinds={"polars"})


@multi_asset(
    specs=[
        _spec(FCT_KEY, *RAW_KEYS, FX_KEY),
        _spec(GMV_KEY, FCT_KEY),
        _spec(ENGAGEMENT_KEY, FCT_KEY),
        _spec(PRODUCTS_KEY, *RAW_KEYS),
        _spec(FOLLOWERS_KEY, *RAW_KEYS),
    ],
    partitions_def=daily,
    backfill_policy=single_run,
)
def window_marts(
    context: AssetExecutionContext, warehouse: Warehouse
) -> Iterator[MaterializeResult]:
    """Every daily mart for the partition window; its rows are replaced, never added to."""
    window = context.partition_time_window
    first_day, end_day = window.start.date(), window.end.date()
    days = [first_day, end_day]
    with connect(warehouse.file) as con:
        staged = staged_window(con, window.start, window.end)
        if not table_exists(con, "marts", "dim_fx_rates"):
            replace_rows(con, "marts.dim_fx_rates", load_rates(), "true", [])
        fx = read_frame(con, "select * from marts.dim_fx_rates")
        # a provider whose raw table has no time of its own (Trovo's snapshots) stages every
        # session it has ever seen: only the window's replace the window's
        in_window = pl.col("session_date").is_between(first_day, end_day, closed="left")
        stacked = fct_sessions(_present(s.sessions for s in staged), fx)
        sessions = stacked.filter(in_window).collect()
        by_day = "session_date >= ? and session_date < ?"
        replace_rows(con, "marts.fct_sessions", sessions, by_day, days)
        gmv = gmv_daily(sessions.lazy()).collect()
        replace_rows(con, "marts.gmv_daily", gmv, by_day, days)
        engagement = engagement_daily(sessions.lazy()).collect()
        replace_rows(con, "marts.engagement_daily", engagement, by_day, days)
        products = _products(con, staged, first_day, end_day)
        followers = followers_daily(
            _present(s.followers for s in staged),
            _present(s.follower_totals for s in staged),
            first_day,
            end_day,
        ).collect()
        replace_rows(con, "marts.followers_daily", followers, '"date" >= ? and "date" < ?', days)
    context.log.info(
        f"marts: {sessions.height} sessions, {products.height} products, "
        f"{followers.height} follower days"
    )
    yield MaterializeResult(asset_key=FCT_KEY, metadata=_counts(sessions))
    yield MaterializeResult(asset_key=GMV_KEY, metadata={"rows": gmv.height})
    yield MaterializeResult(asset_key=ENGAGEMENT_KEY, metadata={"rows": engagement.height})
    yield MaterializeResult(asset_key=PRODUCTS_KEY, metadata={"rows": products.height})
    yield MaterializeResult(asset_key=FOLLOWERS_KEY, metadata={"rows": followers.height})


def _present(frames: Iterator[pl.LazyFrame | None]) -> list[pl.LazyFrame]:
    return [frame for frame in frames if frame is not None]


def _products(
    con: duckdb.DuckDBPyConnection, staged: list[Staged], first_day: date, end_day: date
) -> pl.DataFrame:
    """Products of the window's sessions replace what the window's sessions had before.

    product_performance has no date of its own (docs/contract.md), so the rows replaced are those of
    the sessions that fct_sessions now places in the window, plus any session restaged here.
    """
    in_window = pl.col("session_date").is_between(first_day, end_day, closed="left")
    products = product_performance(
        [frame.filter(in_window) for frame in _present(s.products for s in staged)]
    ).collect()
    replace_rows(
        con,
        "marts.product_performance",
        products,
        """(provider, session_id) in (
               select provider, session_id from marts.fct_sessions
               where session_date >= ? and session_date < ?
               union select provider, session_id from _incoming)""",
        [first_day, end_day],
    )
    return products


def _counts(sessions: pl.DataFrame) -> dict[str, int]:
    by_provider = sessions.group_by("provider").len().rows()
    return {"rows": sessions.height, **{f"rows/{p}": n for p, n in by_provider}}
