"""Shopee Live sessions, their metrics and their items, as a dlt source.

Four tables, merged on natural keys so that loading a day again never duplicates a row:
``sessions`` (one per session), ``session_metrics`` (one per session), ``item_metrics`` and
``items`` (one per item of a session's bag). Every row carries the account (``user_id``) and
``session_start``, the unix second that places it in a daily partition: the session's start,
or its creation when it never started (docs/contract.md).

Shopee cannot list sessions, so a window's run reads the detail of every configured session
and keeps those of the window; the rest of the calls go to those only. A backfill is one run
for the whole window (single-run backfill policy), so each session's detail is read once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import dlt
from dlt.sources import DltResource

from models.staging import shopee as staging
from pipelines.fanout import chunked, fan_out_retrying, to_arrow
from pipelines.figures import INCOMPLETE_SUFFIX, FigureCheck
from pipelines.outage import retry_later
from pipelines.report import RunReport
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.check import check_credentials
from pipelines.shopee.fetch import Row, SessionResult, Window, fetch_session
from pipelines.shopee.schema import (
    ITEM_METRICS_SCHEMA,
    ITEMS_SCHEMA,
    KEY_FIGURES,
    METRICS_SCHEMA,
    SESSIONS_SCHEMA,
)
from pipelines.shopee.settings import PROVIDER, ConfiguredSession, ShopeeConfig
from pipelines.spec import ProviderSpec, RawTable
from pipelines.tokens import TokenStore
from pipelines.units import utc_day, window_days

log = logging.getLogger("lsw.shopee")

SESSIONS_PER_BATCH = 500
STARTED = "session_started_at"  # dlt source state: session id -> start (unix s) once seen
RESOURCES = ("sessions", "session_metrics", "item_metrics", "items")


@dataclass
class Batch:
    """Rows of a few hundred sessions, for every table at once (one fetch feeds four)."""

    sessions: list[Row] = field(default_factory=list)
    metrics: list[Row] = field(default_factory=list)
    metrics_incomplete: list[Row] = field(default_factory=list)
    item_metrics: list[Row] = field(default_factory=list)
    items: list[Row] = field(default_factory=list)


@dlt.source(name=PROVIDER, max_table_nesting=0)
def shopee_source(
    config: ShopeeConfig,
    start: datetime,
    end: datetime,
    report: RunReport | None = None,
    store: TokenStore | None = None,
    clock: Callable[[], float] | None = None,
) -> Sequence[DltResource]:
    """The configured sessions whose date falls in [start, end).

    Args:
        config: ``sources.shopee`` (see ShopeeConfig).
        start: window start (UTC, inclusive).
        end: window end (UTC, exclusive).
        report: receives request counts, warnings and the error that ended the run, if any.
        store: the token store (default: the state directory's).
        clock: Shopee's clock in unix seconds (default: this machine's plus clock_offset_s).
    """
    report = report or RunReport(PROVIDER)
    window = Window(int(start.timestamp()), int(end.timestamp()))
    days = window_days(start, end)

    @dlt.resource(name="shopee_fetch", selected=False)
    def fetched() -> Iterator[Batch]:
        known: dict[str, int] = dlt.current.source_state().setdefault(STARTED, {})
        sessions = _to_fetch(config.session_list(), known, window)
        figures = FigureCheck(KEY_FIGURES)
        results = _extract(config, sessions, window, report, store, clock)
        for chunk in chunked(results, SESSIONS_PER_BATCH):
            _remember(chunk, known)
            yield _batch(chunk, figures, report, days)
        line = figures.line(PROVIDER, "session metrics")
        if line:
            report.warn(line)
            log.warning(line)

    def table(name: str, rows: Callable[[Batch], list[Row]], schema: Any, **hints: Any) -> Any:
        @dlt.transformer(
            data_from=fetched, name=name, write_disposition="merge", max_table_nesting=0, **hints
        )
        def rows_of(batch: Batch) -> Iterator[Any]:
            got = rows(batch)
            if got:
                yield to_arrow(got, schema)
            if name == "session_metrics" and batch.metrics_incomplete:
                aside = to_arrow(batch.metrics_incomplete, schema)
                yield dlt.mark.with_table_name(aside, name + INCOMPLETE_SUFFIX)

        return rows_of

    return (
        table("sessions", lambda b: b.sessions, SESSIONS_SCHEMA, primary_key="session_id"),
        table("session_metrics", lambda b: b.metrics, METRICS_SCHEMA, primary_key="session_id"),
        # a session's items are replaced as a whole: an item taken out of the bag goes too
        table(
            "item_metrics",
            lambda b: b.item_metrics,
            ITEM_METRICS_SCHEMA,
            primary_key=("session_id", "item_id"),
            merge_key="session_id",
        ),
        table(
            "items",
            lambda b: b.items,
            ITEMS_SCHEMA,
            primary_key=("session_id", "item_id"),
            merge_key="session_id",
        ),
    )


def _to_fetch(
    configured: list[ConfiguredSession], known: dict[str, int], window: Window
) -> list[ConfiguredSession]:
    """The configured sessions that may lie in the window: all but those an earlier run saw
    start outside it (a start, once it happened, never moves; a session that has not started
    yet is read every time, as it may start any day)."""
    chosen = [s for s in configured if known.get(str(s.session_id), window.start) in window]
    if len(chosen) < len(configured):
        log.info(
            "%s: %d of %d configured sessions started outside the window (seen by earlier "
            "runs): not read again",
            PROVIDER,
            len(configured) - len(chosen),
            len(configured),
        )
    return chosen


def _remember(results: list[SessionResult], known: dict[str, int]) -> None:
    """Keep the start of every session seen started (dlt state, stored with the load)."""
    for result in results:
        row = result.session
        if row is not None and row["status"] >= 1 and row["start_time"]:
            known[str(row["session_id"])] = row["start_time"]


def _extract(
    config: ShopeeConfig,
    configured: list[ConfiguredSession],
    window: Window,
    report: RunReport,
    store: TokenStore | None,
    clock: Callable[[], float] | None,
) -> Iterator[SessionResult]:
    """Every configured session, a few at once, in configured order.

    The first is read alone: if the app's credentials are wrong, one call says so and
    nothing more is spent.
    """
    if not configured:
        return
    api = ShopeeApi(config, store=store, clock=clock)
    try:
        first = fetch_session(api, configured[0], window, threading.Event())
        if api.refused is not None:
            yield first
            yield from (SessionResult(s, not_read=True) for s in configured[1:])
            return
        rest = configured[1:]
        if retry_later(first.error):
            rest = [*rest, configured[0]]  # its own bad luck: round again with the others
        else:
            yield first
        yield from fan_out_retrying(
            rest,
            lambda session, stop: fetch_session(api, session, window, stop),
            concurrency=config.concurrency,
            error_of=lambda result: result.error,
            report=report,
        )
    finally:
        report.add(requests=api.requests_made)
        api.close()


def _batch(
    results: list[SessionResult],
    figures: FigureCheck,
    report: RunReport,
    days: list[date],
) -> Batch:
    """The rows of ``results``, with each session's failure reported and its days marked."""
    batch = Batch()
    for result in results:
        _account_for(result, report, days)
        report.add(rows=_count(result), pages=result.pages)
        if result.session is None or not result.in_window:
            continue
        batch.sessions.append(result.session)
        if result.metric is not None:
            complete, incomplete = figures.split([result.metric])
            batch.metrics += complete
            batch.metrics_incomplete += incomplete
        # a list is loaded only when read to its end: merging part of one would drop the rest
        if result.item_metrics is not None:
            batch.item_metrics += result.item_metrics
        if result.items is not None:
            batch.items += result.items
    return batch


def _count(result: SessionResult) -> int:
    if not result.in_window or result.session is None:
        return 0
    lists = (result.item_metrics or [], result.items or [])
    return 1 + (result.metric is not None) + sum(len(rows) for rows in lists)


def _account_for(result: SessionResult, report: RunReport, days: list[date]) -> None:
    """Report a session's failure; its days are not all read unless it was skipped."""
    account = str(result.configured.user_id)
    if result.skipped is not None:
        report.warn(result.skipped)
        log.warning(result.skipped)
        return
    if result.error is not None:
        report.fail(result.error)
    if result.not_read or (result.error is not None and result.session is None):
        report.mark_incomplete(account, days)  # its date is unknown: any day may lack it
    elif result.error is not None and result.session is not None and result.in_window:
        report.mark_incomplete(account, [utc_day(result.session["session_start"])])


SPEC = ProviderSpec(
    name=PROVIDER,
    config=ShopeeConfig,
    source=shopee_source,
    resources=RESOURCES,
    check=check_credentials,
    raw_tables=(
        RawTable("sessions", "session_start", "s", key=("session_id",)),
        RawTable("session_metrics", "session_start", "s", key=("session_id",), incomplete=True),
        RawTable("item_metrics", "session_start", "s", key=("session_id", "item_id")),
        RawTable("items", "session_start", "s", key=("session_id", "item_id")),
    ),
    stage=staging.stage,
    about={
        "sessions": "One row per livestream session of the configured Shopee accounts "
        "(get_session_detail): title, status, start and end, in the partition of its start "
        "(else creation) date.",
        "session_metrics": "Each session's figures (get_session_metric): views, peak "
        "concurrent viewers, likes, comments, shares, orders and GMV in the account's currency.",
        "item_metrics": "What each item did in each session (get_session_item_metric): "
        "clicks, add-to-cart and units sold.",
        "items": "The items shown in each session (get_item_list): name and price.",
    },
)
