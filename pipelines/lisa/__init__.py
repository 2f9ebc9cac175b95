"""LiSA shows, streams, carousel products and channels, as dlt sources.

Two sources write the same merged tables. The history (``lisa_source``) loads a window of
daily partitions: a stream belongs to the UTC day it started, a show that never streamed to
the day it was scheduled. The incremental one (``lisa_modified_source``, run on a schedule)
loads every show modified since the last successful run, so late edits and the final figures
of streams that ended reach the tables without a backfill. Its mark lives in dlt's state,
which is saved with the load: a failed run (a provider error, or a load that did not land)
leaves it where it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import dlt
from dlt.sources import DltResource

from models.staging import lisa as staging
from pipelines.drift import ADDED_FIELDS_CONTRACT, with_added_fields
from pipelines.fanout import chunked, to_arrow
from pipelines.figures import INCOMPLETE_SUFFIX, FigureCheck
from pipelines.lisa.client import check_credentials
from pipelines.lisa.extract import Tables, extract_modified, extract_window
from pipelines.lisa.rows import parse_time
from pipelines.lisa.schema import (
    CHANNELS,
    KEY_FIGURES,
    SHOW_PRODUCTS,
    SHOWS,
    STREAMS,
)
from pipelines.lisa.settings import PROVIDER, ROWS_PER_BATCH, LisaConfig
from pipelines.report import RunReport
from pipelines.spec import Parent, ProviderSpec, RawTable

log = logging.getLogger("lsw.lisa")

HISTORY_RESOURCES = ("shows", "streams", "show_products", "channels")
# The incremental resources, named apart (names are unique within a source) and writing
# into the history's tables.
MODIFIED_RESOURCES = {
    "shows_modified": "shows",
    "streams_modified": "streams",
    "show_products_modified": "show_products",
}
MARKS = "modified_since"  # source state: resource name -> the mark it reached

_SCHEMAS = {
    "shows": SHOWS,
    "streams": STREAMS,
    "show_products": SHOW_PRODUCTS,
    "channels": CHANNELS,
}
_KEYS: dict[str, dict[str, Any]] = {
    "shows": {"primary_key": "id"},
    "streams": {"primary_key": "stream_id"},
    # a show's carousel is replaced whole: a product taken off it does not linger
    "show_products": {"primary_key": ("show_id", "product_id"), "merge_key": "show_id"},
    "channels": {"primary_key": "id"},
}


def _batches(table: str, rows: list[dict[str, Any]], report: RunReport) -> Iterator[Any]:
    """Arrow tables of ``rows``; streams short of a key figure go to ``streams_incomplete``."""
    schema = _SCHEMAS[table]
    if table != "streams":
        # only ``shows`` rows carry added fields (rows.show_row): columns of their own
        arrow = with_added_fields if table == "shows" else to_arrow
        for chunk in chunked(rows, ROWS_PER_BATCH):
            yield arrow(chunk, schema)
        return
    check = FigureCheck(KEY_FIGURES)
    for chunk in chunked(rows, ROWS_PER_BATCH):
        complete, incomplete = check.split(chunk)
        if complete:
            yield to_arrow(complete, schema)
        if incomplete:
            yield dlt.mark.with_table_name(to_arrow(incomplete, schema), table + INCOMPLETE_SUFFIX)
    line = check.line(PROVIDER, "streams")
    if line:
        report.warn(line)
        log.warning(line)


def _resource(
    name: str,
    table: str,
    rows: Callable[[], list[dict[str, Any]]],
    report: RunReport,
    after: Callable[[], None] | None = None,
) -> DltResource:
    def data() -> Iterator[Any]:
        yield from _batches(table, rows(), report)
        if after is not None:
            after()

    return dlt.resource(
        data,
        name=name,
        table_name=table,
        write_disposition="merge",
        max_table_nesting=0,
        schema_contract=ADDED_FIELDS_CONTRACT,
        **_KEYS[table],
    )


@dlt.source(name=PROVIDER, max_table_nesting=0)
def lisa_source(
    config: LisaConfig, start: datetime, end: datetime, report: RunReport | None = None
) -> list[DltResource]:
    """Shows whose streams started in [start, end) (or, never streamed, were scheduled in
    it), with those streams, their carousel products, and the channels.

    Args:
        config: ``sources.lisa`` (see LisaConfig).
        start: window start (UTC, inclusive).
        end: window end (UTC, exclusive).
        report: receives request counts, warnings and the error that ended the run, if any.
    """
    report = report or RunReport(PROVIDER)
    fetched = cache(lambda: extract_window(config, start, end, report))

    def rows(table: str) -> Callable[[], list[dict[str, Any]]]:
        return lambda: getattr(fetched(), table)

    return [_resource(t, t, rows(t), report) for t in HISTORY_RESOURCES]


@dlt.source(name=PROVIDER, max_table_nesting=0)
def lisa_modified_source(config: LisaConfig, report: RunReport | None = None) -> list[DltResource]:
    """Every show modified since the last successful run, with all its streams and products.

    The first run (no mark yet) starts ``modified_lookback_days`` before now. Each resource
    keeps its own mark, so a resource left out of a run catches up on its next one.
    """
    report = report or RunReport(PROVIDER)

    def fetch() -> Tables:
        marks = dlt.current.source_state().get(MARKS, {})
        first = datetime.now(UTC) - timedelta(days=config.modified_lookback_days)
        since = min(parse_time(marks.get(name)) or first for name in MODIFIED_RESOURCES)
        log.info("%s: shows modified since %s", PROVIDER, since.isoformat())
        return extract_modified(config, since, report)

    fetched = cache(fetch)

    def rows(table: str) -> Callable[[], list[dict[str, Any]]]:
        return lambda: getattr(fetched(), table)

    def keep_mark(name: str) -> Callable[[], None]:
        def keep() -> None:
            mark = fetched().mark
            if mark is not None:
                dlt.current.source_state().setdefault(MARKS, {})[name] = mark

        return keep

    return [
        _resource(name, table, rows(table), report, keep_mark(name))
        for name, table in MODIFIED_RESOURCES.items()
    ]


SPEC = ProviderSpec(
    name=PROVIDER,
    config=LisaConfig,
    source=lisa_source,
    resources=HISTORY_RESOURCES,
    check=check_credentials,
    raw_tables=(
        RawTable("streams", "started_at", "timestamp", key=("stream_id",), incomplete=True),
        RawTable("shows", parent=Parent("id", "streams", "show_id")),
        RawTable("show_products", parent=Parent("show_id", "streams", "show_id")),
    ),
    stage=staging.stage,
    snapshot=lisa_modified_source,
    snapshot_resources=tuple(MODIFIED_RESOURCES),
    snapshot_cron="0 * * * *",
    about={
        "shows": "One row per LiSA show with a stream in the window: title, channels, "
        "schedule and state.",
        "streams": "One row per live stream of a show: start, end and its metrics (viewers, "
        "emojis, messages, duration), in the partition of its start date.",
        "show_products": "The products of each show's carousel, with price and figures.",
        "channels": "The account's channels (slug and name) that shows are published on.",
        "shows_modified": "Shows modified since the last run (LiSA's modified_since), merged "
        "into lisa.shows every hour.",
        "streams_modified": "Streams of the shows modified since the last run, merged into "
        "lisa.streams.",
        "show_products_modified": "Products of the shows modified since the last run, merged "
        "into lisa.show_products.",
    },
    writes=MODIFIED_RESOURCES,
)
