"""The marts: rebuilt per partition window from every provider's raw tables.

They follow the loads by Dagster's own mechanism: an automation condition requests a
window's marts once any raw partition of it is newly loaded (by a schedule, the UI or the
CLI), and the marts' checks run with every materialisation.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    AutomationCondition,
    MaterializeResult,
    TableColumn,
    TableSchema,
    asset,
    multi_asset,
)

from dagster_project.defs.marts.checks import check_specs
from dagster_project.defs.marts.inputs import RAW_KEYS, staged_window
from dagster_project.defs.marts.moved import left_behind, reaggregate
from dagster_project.defs.marts.verify import day_counts, run_checks
from dagster_project.partition_metadata import add_partition_metadata
from dagster_project.partitions import daily, single_run
from dagster_project.resources import Warehouse
from models.catalog import MARTS, Mart, sql_type
from models.frames import collect, run_starts
from models.fx import load_rates
from models.marts.engagement import engagement_daily
from models.marts.followers import followers_daily
from models.marts.gmv import gmv_daily
from models.marts.products import product_performance
from models.marts.sessions import fct_sessions
from pipelines.registry import SPECS
from warehouse.publish import publish
from warehouse.store import Store

FX_KEY = AssetKey(["marts", "dim_fx_rates"])
FCT_KEY = AssetKey(["marts", "fct_sessions"])
GMV_KEY = AssetKey(["marts", "gmv_daily"])
ENGAGEMENT_KEY = AssetKey(["marts", "engagement_daily"])
PRODUCTS_KEY = AssetKey(["marts", "product_performance"])
FOLLOWERS_KEY = AssetKey(["marts", "followers_daily"])

# A long window's marts are rebuilt a quarter at a time: each part is a window of its own, as
# a daily rebuild is, so the result is the same, and memory is bounded by a quarter's rows
# instead of growing with the range (bench/marts_scale.py; docs/benchmarks.md). Each part
# costs a fixed ~0.3 s, so parts are not made smaller than they need to be.
CHUNK_DAYS = 92


# A window's marts are rebuilt once any of its raw partitions is newly loaded and nothing
# they read is still loading. Unpartitioned inputs are left out: an update of one stands for
# every day at once (the FX rates; Trovo's channel snapshots, taken every few minutes, would
# rebuild all history each time). The next load of a day reads the snapshots taken by then.
UNPARTITIONED_INPUTS = [
    FX_KEY,
    *(k for k in RAW_KEYS if k.path[-1] in SPECS[k.path[0]].snapshot_resources),
]
FOLLOW_LOADS = (
    AutomationCondition.any_deps_updated()
    .ignore(AssetSelection.assets(*UNPARTITIONED_INPUTS))
    .since_last_handled()
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("after a load of its window")


def table_metadata(mart: Mart) -> dict[str, object]:
    """What the UI shows of the table: where it is and its documented columns."""
    return {
        "dagster/table_name": mart.table,
        "dagster/column_schema": TableSchema(
            columns=[
                TableColumn(name, sql_type(dtype), description=mart.columns[name])
                for name, dtype in mart.types.items()
            ]
        ),
    }


@asset(
    key=FX_KEY,
    group_name="marts",
    kinds={"polars", "duckdb"},
    description=MARTS["dim_fx_rates"].description,
    metadata=table_metadata(MARTS["dim_fx_rates"]),
)
def dim_fx_rates(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    rates = load_rates()
    with warehouse.store(context.run.run_id) as store:
        store.replace_rows("marts.dim_fx_rates", rates, "true")
    return MaterializeResult(metadata={"dagster/row_count": rates.height})


def _spec(key: AssetKey, *deps: AssetKey) -> AssetSpec:
    mart = MARTS[key.path[-1]]
    return AssetSpec(
        key,
        deps=list(deps),
        group_name="marts",
        kinds={"polars", "duckdb"},
        description=mart.description,
        metadata=table_metadata(mart),
        automation_condition=FOLLOW_LOADS,
    )


@multi_asset(
    specs=[
        _spec(FCT_KEY, *RAW_KEYS, FX_KEY),
        _spec(GMV_KEY, FCT_KEY),
        _spec(ENGAGEMENT_KEY, FCT_KEY),
        _spec(PRODUCTS_KEY, *RAW_KEYS),
        _spec(FOLLOWERS_KEY, *RAW_KEYS),
    ],
    check_specs=check_specs(),
    partitions_def=daily,
    backfill_policy=single_run,
)
def window_marts(
    context: AssetExecutionContext, warehouse: Warehouse
) -> Iterator[MaterializeResult | AssetCheckResult]:
    """Every daily mart for the partition window; its rows are replaced, never added to.

    Row counts are recorded per day (each partition its own), then the checks of the window.
    """
    window = context.partition_time_window
    first_day, end_day = window.start.date(), window.end.date()
    with warehouse.store(context.run.run_id) as store:
        built = rebuild_by_chunks(store, window.start, window.end)
        counts = day_counts(store, first_day, end_day)
        checks = list(run_checks(context, store, first_day, end_day))
    publish(warehouse.file)  # readers see the new marts now, whatever runs after
    context.log.info(
        f"marts: {built['fct_sessions']} sessions, {built['product_performance']} products, "
        f"{built['followers_daily']} follower days"
    )
    marts = (FCT_KEY, GMV_KEY, ENGAGEMENT_KEY, PRODUCTS_KEY, FOLLOWERS_KEY)
    add_partition_metadata(
        context,
        {
            (key, day.isoformat()): {"dagster/row_count": rows}
            for key in marts
            for day, rows in counts[key.path[-1]].items()
        },
    )
    for key in marts:
        yield MaterializeResult(asset_key=key)
    yield from checks


def rebuild_by_chunks(
    store: Store, start: datetime, end: datetime, chunk_days: int = CHUNK_DAYS
) -> dict[str, int]:
    """``rebuild`` of [start, end) in windows of at most ``chunk_days``, oldest first; rows
    per mart over all of them."""
    built: Counter[str] = Counter()
    step = timedelta(days=chunk_days)
    lo = start
    with store.deferring_upkeep():
        while lo < end:
            hi = min(lo + step, end)
            built.update(rebuild(store, lo, hi))
            lo = hi
    return dict(built)


def rebuild(store: Store, start: datetime, end: datetime) -> dict[str, int]:
    """Replace every daily mart's rows of the window [start, end) in ``store``; rows per mart.

    The same Polars models on every destination: only the store differs (warehouse/store.py).
    Every mart is computed first, then all are replaced and committed together.
    """
    first_day, end_day = start.date(), end.date()
    days = [first_day, end_day]
    staged = staged_window(store, start, end)
    if not store.table_exists("marts", "dim_fx_rates"):
        store.replace_rows("marts.dim_fx_rates", load_rates(), "true")
        store.commit()
    fx = store.frame("select * from marts.dim_fx_rates", like=("marts", "dim_fx_rates"))
    # Trovo's snapshots of the window also stage sessions that started before it and
    # overlap it (inputs.py): only the window's sessions (and their products) are the window's
    in_window = pl.col("session_date").is_between(first_day, end_day, closed="left")
    sessions, products, followers = collect(
        fct_sessions(_present(s.sessions for s in staged), fx).filter(in_window),
        product_performance([f.filter(in_window) for f in _present(s.products for s in staged)]),
        followers_daily(
            _present(s.followers for s in staged),
            _present(s.follower_totals for s in staged),
            first_day,
            end_day,
        ),
    )
    gmv, engagement = collect(gmv_daily(sessions.lazy()), engagement_daily(sessions.lazy()))
    moved_from, moved = left_behind(store, sessions, first_day, end_day)
    by_day = "session_date >= ? and session_date < ?"
    store.replace_rows(
        "marts.fct_sessions", sessions, by_day, days, keys=moved if moved.height else None
    )
    reaggregate(store, moved_from)  # the days those sessions left, without them
    store.replace_rows("marts.gmv_daily", gmv, by_day, days)
    store.replace_rows("marts.engagement_daily", engagement, by_day, days)
    _replace_products(store, sessions, products)
    store.replace_rows("marts.followers_daily", followers, '"date" >= ? and "date" < ?', days)
    store.commit()
    return {
        "fct_sessions": sessions.height,
        "gmv_daily": gmv.height,
        "engagement_daily": engagement.height,
        "product_performance": products.height,
        "followers_daily": followers.height,
    }


def _present(frames: Iterator[pl.LazyFrame | None]) -> list[pl.LazyFrame]:
    return [frame for frame in frames if frame is not None]


def _replace_products(store: Store, sessions: pl.DataFrame, products: pl.DataFrame) -> None:
    """Products of the window's sessions replace what the window's sessions had before.

    product_performance has no date of its own (docs/contract.md), so the rows replaced are
    those of the sessions that fct_sessions now places in the window (``sessions``), plus
    any session whose products were restaged here.
    """
    # products come sorted by session, so each session's first row names it: a hash
    # de-duplication of ten million key pairs took 1.5 s; a store takes keys listed twice
    key = ["provider", "session_id"]
    keys = pl.concat([sessions.select(key), run_starts(products, key)])
    store.replace_rows("marts.product_performance", products, "false", keys=keys)
