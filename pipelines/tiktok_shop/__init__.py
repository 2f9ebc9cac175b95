"""TikTok Shop livestreams through KeyAPI, as a dlt source.

One resource, ``livestreams``: one row per livestream (``room_id``), merged so that loading
a day again never duplicates it. Rows reach dlt as arrow tables (parquet on the way to
DuckDB), which is what makes large backfills fast.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from pipelines.report import RunReport
from pipelines.tiktok_shop.helpers import SellerResult, fetch_seller, keyapi_client
from pipelines.tiktok_shop.schema import Livestream, to_table
from pipelines.tiktok_shop.settings import PROVIDER, ROWS_PER_BATCH, TikTokShopConfig

log = logging.getLogger("lsw.tiktok_shop")


@dlt.source(name=PROVIDER, max_table_nesting=0)
def tiktok_shop_source(
    config: TikTokShopConfig | None,
    start: datetime,
    end: datetime,
    report: RunReport | None = None,
    as_arrow: bool = True,
) -> DltResource:
    """Livestreams of the configured sellers that started in [start, end).

    Args:
        config: ``sources.tiktok_shop`` (see TikTokShopConfig). None builds the source only
            for its resource names, as the Dagster definitions do at import time.
        start: window start (UTC, inclusive).
        end: window end (UTC, exclusive).
        report: receives request counts, warnings and the error that ended the run, if any.
        as_arrow: hand dlt arrow tables (fast: parquet all the way). False hands it plain
            dicts, dlt's default path, which the benchmark uses as its baseline.
    """
    return livestreams(config, start, end, report or RunReport(PROVIDER), as_arrow)


def livestreams(
    config: TikTokShopConfig | None,
    start: datetime,
    end: datetime,
    report: RunReport,
    as_arrow: bool = True,
) -> DltResource:
    @dlt.resource(
        name="livestreams",
        primary_key="room_id",
        write_disposition="merge",
        max_table_nesting=0,
    )
    def resource() -> Iterator[pa.Table | list[Livestream]]:
        if config is None:
            raise ValueError("tiktok_shop is not configured (sources.tiktok_shop)")
        batches = _extract(config, int(start.timestamp()), int(end.timestamp()), report)
        yield from (to_table(batch) if as_arrow else batch for batch in batches)

    return resource


def _extract(
    config: TikTokShopConfig, start_ts: int, end_ts: int, report: RunReport
) -> Iterator[list[Livestream]]:
    """Page every seller (a few at once), yielding batches of rows as sellers finish."""
    settings = dataclasses.replace(config.http, max_requests=config.max_credits_per_run)
    stop = threading.Event()
    pending: list[Livestream] = []
    with (
        keyapi_client(config, settings) as client,
        ThreadPoolExecutor(max_workers=config.concurrency) as pool,
    ):
        futures = [
            pool.submit(fetch_seller, client, seller, start_ts, end_ts, stop)
            for seller in config.seller_ids
        ]
        try:
            for future in as_completed(futures):
                result = future.result()
                _account(result, report, config)
                pending.extend(result.rows)
                if len(pending) >= ROWS_PER_BATCH:
                    yield pending
                    pending = []
        finally:
            stop.set()
            report.requests += client.requests_made
        if pending:
            yield pending


def _account(result: SellerResult, report: RunReport, config: TikTokShopConfig) -> None:
    report.add(rows=len(result.rows), pages=result.pages)
    if result.budget_reached:
        report.warn(
            f"{PROVIDER}: max_credits_per_run={config.max_credits_per_run} reached; "
            "stopped paging and kept the rows fetched so far"
        )
        log.warning(report.warnings[-1])
    if result.error is not None:
        report.fail(result.error)
