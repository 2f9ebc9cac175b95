"""The marts: rebuilt per partition window from every provider's raw tables."""

from collections.abc import Iterator

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
from models.marts.gmv import gmv_daily
from models.marts.sessions import fct_sessions
from warehouse.db import connect, read_frame, replace_rows, table_exists

FX_KEY = AssetKey(["marts", "dim_fx_rates"])
FCT_KEY = AssetKey(["marts", "fct_sessions"])
GMV_KEY = AssetKey(["marts", "gmv_daily"])


@asset(key=FX_KEY, group_name="marts", kinds={"polars", "duckdb"})
def dim_fx_rates(warehouse: Warehouse) -> MaterializeResult:
    """USD per unit of each currency: shipped in the repository, overridable (LSW_FX_RATES)."""
    rates = load_rates()
    with connect(warehouse.file) as con:
        replace_rows(con, "marts.dim_fx_rates", rates, "true", [])
    return MaterializeResult(metadata={"currencies": rates.height})


@multi_asset(
    specs=[
        AssetSpec(FCT_KEY, deps=[*RAW_KEYS, FX_KEY], group_name="marts", kinds={"polars"}),
        AssetSpec(GMV_KEY, deps=[FCT_KEY], group_name="marts", kinds={"polars"}),
    ],
    partitions_def=daily,
    backfill_policy=single_run,
)
def session_marts(
    context: AssetExecutionContext, warehouse: Warehouse
) -> Iterator[MaterializeResult]:
    """fct_sessions and gmv_daily for the partition window; its rows are replaced, not added."""
    window = context.partition_time_window
    first_day, end_day = window.start.date(), window.end.date()
    with connect(warehouse.file) as con:
        staged = staged_window(con, window.start, window.end)
        if not table_exists(con, "marts", "dim_fx_rates"):
            replace_rows(con, "marts.dim_fx_rates", load_rates(), "true", [])
        fx = read_frame(con, "select * from marts.dim_fx_rates")
        sessions = fct_sessions(
            [s.sessions for s in staged if s.sessions is not None], fx
        ).collect()
        daily_gmv = gmv_daily(sessions.lazy()).collect()
        where = "session_date >= ? and session_date < ?"
        replace_rows(con, "marts.fct_sessions", sessions, where, [first_day, end_day])
        replace_rows(con, "marts.gmv_daily", daily_gmv, where, [first_day, end_day])
    context.log.info(f"marts: {sessions.height} sessions, {daily_gmv.height} gmv_daily rows")
    yield MaterializeResult(asset_key=FCT_KEY, metadata=_counts(sessions))
    yield MaterializeResult(asset_key=GMV_KEY, metadata={"rows": daily_gmv.height})


def _counts(sessions: pl.DataFrame) -> dict[str, int]:
    by_provider = sessions.group_by("provider").len().rows()
    return {"rows": sessions.height, **{f"rows/{p}": n for p, n in by_provider}}
