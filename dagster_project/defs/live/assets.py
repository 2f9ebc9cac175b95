"""The live tables as assets (the sensor records their loads) and ``marts.live_engagement``."""

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, asset

from dagster_project.defs.live.tables import SCHEMA, TABLES, LiveTable
from dagster_project.resources import Warehouse
from models.marts.live_engagement import LIVE_ENGAGEMENT, live_engagement
from warehouse.store import Store

GROUP = "live"
LIVE_ENGAGEMENT_KEY = AssetKey(["marts", "live_engagement"])

ABOUT = {
    "shopee_comments": "Every comment of a live Shopee session, as `lsw live` polled it from "
    "get_latest_comment_list (each once, by comment id).",
    "shopee_session_metrics": "Shopee session metric snapshots taken by `lsw live` while a "
    "session is live, stamped observed_at.",
    "shopee_sessions": "The status of the Shopee sessions `lsw live` watched (live, ended), "
    "as it last saw them.",
    "lisa_events": "LiSA show events delivered to `lsw webhooks serve` (each once, by event "
    "id), with the show they concern.",
}
RAW_LIVE = [
    AssetSpec(
        t.key,
        group_name=GROUP,
        kinds={"duckdb", "dlt"},
        description=ABOUT[t.name] + " Drained from the landing store by the live_landing "
        "sensor: appended, de-duplicated by record id.",
        metadata={"dagster/table_name": f"{SCHEMA}.{t.name}"},
    )
    for t in TABLES
]
_BY_NAME = {t.name: t for t in TABLES}


def _frame(store: Store, table: LiveTable) -> pl.LazyFrame:
    """The table, or an empty frame of its columns when nothing was drained into it yet."""
    if not store.table_exists(SCHEMA, table.name):
        empty = pl.from_arrow(table.schema.empty_table())
        assert isinstance(empty, pl.DataFrame)
        return empty.lazy()
    return store.frame(f'select * from {SCHEMA}."{table.name}"', like=(SCHEMA, table.name))


@asset(
    key=LIVE_ENGAGEMENT_KEY,
    deps=[
        _BY_NAME[n].key for n in ("shopee_comments", "shopee_session_metrics", "shopee_sessions")
    ],
    group_name=GROUP,
    kinds={"polars", "duckdb"},
    metadata={"dagster/table_name": "marts.live_engagement"},
)
def live_engagement_mart(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """Comments per minute and peak concurrent viewers per live session (docs/marts.md)."""
    with warehouse.store(context.run.run_id) as store:
        frame = live_engagement(
            _frame(store, _BY_NAME["shopee_comments"]),
            _frame(store, _BY_NAME["shopee_session_metrics"]),
            _frame(store, _BY_NAME["shopee_sessions"]),
        ).collect()
        assert list(frame.schema) == list(LIVE_ENGAGEMENT)
        store.replace_rows("marts.live_engagement", frame, "true")
    return MaterializeResult(metadata={"dagster/row_count": frame.height})
