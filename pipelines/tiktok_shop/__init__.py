"""TikTok Shop livestreams through KeyAPI, as a dlt source.

One resource, ``livestreams``: one row per livestream (``room_id``), merged so that loading
a day again never duplicates it. Rows reach dlt as arrow tables (parquet on the way to
DuckDB), which is what makes large backfills fast.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import dlt
from dlt.sources import DltResource

from models.staging import tiktok_shop as staging
from pipelines.drift import ADDED_FIELDS_CONTRACT, with_added_fields
from pipelines.errors import PartialLoad
from pipelines.fanout import chunked, fan_out_retrying
from pipelines.figures import INCOMPLETE_SUFFIX, FigureCheck
from pipelines.http import ProviderClient
from pipelines.report import RunReport
from pipelines.spec import ProviderSpec, RawTable
from pipelines.tiktok_shop.helpers import (
    ENDPOINT,
    SellerResult,
    check_credentials,
    fetch_seller,
    keyapi_client,
)
from pipelines.tiktok_shop.schema import ARROW_SCHEMA, KEY_FIGURES, Livestream
from pipelines.tiktok_shop.settings import PROVIDER, ROWS_PER_BATCH, TikTokShopConfig
from pipelines.units import utc_day, window_days

log = logging.getLogger("lsw.tiktok_shop")


@dlt.source(name=PROVIDER, max_table_nesting=0)
def tiktok_shop_source(
    config: TikTokShopConfig,
    start: datetime,
    end: datetime,
    report: RunReport | None = None,
    as_arrow: bool = True,
) -> DltResource:
    """Livestreams of the configured sellers that started in [start, end).

    Args:
        config: ``sources.tiktok_shop`` (see TikTokShopConfig).
        start: window start (UTC, inclusive).
        end: window end (UTC, exclusive).
        report: receives request counts, warnings and the error that ended the run, if any.
        as_arrow: hand dlt arrow tables (fast: parquet all the way). False hands it plain
            dicts, dlt's default path, which the benchmark uses as its baseline.
    """
    report = report or RunReport(PROVIDER)

    @dlt.resource(
        name="livestreams",
        primary_key="room_id",
        write_disposition="merge",
        max_table_nesting=0,
        schema_contract=ADDED_FIELDS_CONTRACT,
    )
    def livestreams() -> Iterator[Any]:
        check = FigureCheck(KEY_FIGURES)
        for batch in chunked(_extract(config, start, end, report), ROWS_PER_BATCH):
            complete, incomplete = check.split(batch)
            if complete:
                yield with_added_fields(complete, ARROW_SCHEMA) if as_arrow else complete
            if incomplete:
                data = with_added_fields(incomplete, ARROW_SCHEMA) if as_arrow else incomplete
                yield dlt.mark.with_table_name(data, "livestreams" + INCOMPLETE_SUFFIX)
        line = check.line(PROVIDER, "livestreams")
        if line:
            report.warn(line)
            log.warning(line)

    return livestreams


def _extract(
    config: TikTokShopConfig, start: datetime, end: datetime, report: RunReport
) -> Iterator[Livestream]:
    """Page every seller (a few at once), yielding their rows seller by seller, in order.

    A seller a budget-capped run of these days already read to the end is not read again
    (``_Progress``): repeated runs spend their credits on what is still missing, so a
    backfill larger than one run's budget completes.
    """
    settings = dataclasses.replace(config.http(), max_requests=config.max_credits_per_run)
    start_ts, end_ts = int(start.timestamp()), int(end.timestamp())
    days = window_days(start, end)
    progress = _Progress(dlt.current.source_state(), days)
    sellers = [s for s in config.seller_ids if not progress.done(s)]
    if len(sellers) < len(config.seller_ids):
        line = (
            f"{PROVIDER}: {len(config.seller_ids) - len(sellers)} of {len(config.seller_ids)} "
            "sellers already read whole for these days by an earlier run that reached "
            "max_credits_per_run: not read again"
        )
        report.warn(line)
        log.info(line)
    budget_stopped: list[str] = []
    read_whole: list[str] = []
    client: ProviderClient
    with keyapi_client(config, settings) as client:
        try:
            for result in fan_out_retrying(
                sellers,
                lambda seller, stop: fetch_seller(client, seller, start_ts, end_ts, stop),
                concurrency=config.concurrency,
                error_of=lambda seller: seller.error,
                report=report,
            ):
                _account(result, report, days)
                if result.budget_reached:
                    budget_stopped.append(result.seller_id)
                elif not (result.error or result.stopped):
                    read_whole.append(result.seller_id)
                yield from result.rows
        finally:
            report.add(requests=client.requests_made)
    if budget_stopped:
        progress.record(read_whole)
        report.fail(_budget_line(config, report, budget_stopped))
    elif not report.failed:
        progress.clear()  # the days are whole: a later run of them reads them afresh


class _Progress:
    """Sellers read whole, per day, by runs that stopped at ``max_credits_per_run``; kept in
    the source state (in the warehouse with the rows, so both are saved by the same load).

    Only a budget stop records anything, and a run that completes its days forgets them:
    otherwise a deliberate reload of a day (today's, say) would skip the sellers.
    """

    def __init__(self, state: dict[str, Any], days: list[date]) -> None:
        self.read: dict[str, list[str]] = state.setdefault("read_whole", {})
        self.days = [d.isoformat() for d in days]

    def done(self, seller: str) -> bool:
        return bool(self.days) and all(seller in self.read.get(d, ()) for d in self.days)

    def record(self, sellers: list[str]) -> None:
        for day in self.days:
            self.read[day] = sorted({*self.read.get(day, ()), *sellers})

    def clear(self) -> None:
        for day in self.days:
            self.read.pop(day, None)


def _account(result: SellerResult, report: RunReport, days: list[date]) -> None:
    report.add(rows=len(result.rows), pages=result.pages)
    if result.error is not None:
        report.fail(result.error)
    if result.error is not None or result.budget_reached or result.stopped:
        # newest first: days after the oldest row seen are whole; the rest were not reached
        seen = result.complete_after
        report.mark_incomplete(
            result.seller_id, [d for d in days if seen is None or d <= utc_day(seen)]
        )


def _budget_line(config: TikTokShopConfig, report: RunReport, sellers: list[str]) -> PartialLoad:
    days = sorted(report.incomplete_days())
    shown = ", ".join(sellers[:3]) + (f" and {len(sellers) - 3} more" if len(sellers) > 3 else "")
    cause = (
        f"max_credits_per_run={config.max_credits_per_run} reached after {report.requests} "
        f"requests ({report.pages} pages): {len(sellers)} of {len(config.seller_ids)} sellers "
        f"not fully read ({shown}), days {days[0]}..{days[-1]} incomplete and not marked "
        f"loaded; raise sources.{PROVIDER}.max_credits_per_run "
        f"(SOURCES__{PROVIDER.upper()}__MAX_CREDITS_PER_RUN) or load fewer days"
    )
    log.info("%s: %s", PROVIDER, cause)  # the run fails with this line; no note as well
    return PartialLoad(PROVIDER, ENDPOINT, cause)


SPEC = ProviderSpec(
    name=PROVIDER,
    config=TikTokShopConfig,
    source=tiktok_shop_source,
    resources=("livestreams",),
    check=check_credentials,
    raw_tables=(RawTable("livestreams", "create_time", "s", key=("room_id",), incomplete=True),),
    stage=staging.stage,
    about={
        "livestreams": "One row per finished livestream (room_id) of the configured sellers, "
        "from KeyAPI's livestream analytics: start, finish, duration, views, peak viewers, "
        "units sold and GMV in the shop's currency; one credit per page.",
    },
)
