"""Firework livestreams as dlt sources: their details (historical) and their status over time.

Firework has no list endpoint: every run reads the detail of every configured livestream,
one call each, many at once. The historical source keeps those whose session starts in the
run's window (``scheduled_at``, or for a "go live now" livestream without a schedule the
first time a run saw it) and loads them as four tables merged on ``livestream_id``:
``livestreams``, ``products``, ``product_units`` and ``product_images``. The snapshot source
appends every livestream's status with ``observed_at``, so status changes stay visible.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import Any

import dlt
from dlt.sources import DltResource

from models.staging import firework as staging
from pipelines.drift import ADDED_FIELDS_CONTRACT, with_added_fields
from pipelines.fanout import chunked, to_arrow
from pipelines.figures import INCOMPLETE_SUFFIX
from pipelines.firework import finals
from pipelines.firework.auth import Clock
from pipelines.firework.check import check_credentials
from pipelines.firework.helpers import fetch_all
from pipelines.firework.rows import Document, FigureChecks, document, session_start, status_row
from pipelines.firework.schema import FINAL, LIVESTREAM_STATUS, STATUSES, TABLES
from pipelines.firework.settings import DOCUMENTS_PER_BATCH, PROVIDER, FireworkConfig
from pipelines.report import RunReport
from pipelines.spec import Parent, ProviderSpec, RawTable
from pipelines.tokens import TokenStore
from pipelines.units import window_days

log = logging.getLogger("lsw.firework")

# Rows of one livestream replace that livestream's rows: a product removed from it goes too.
# (Any: dlt.transformer's annotation lists only the plain names, though it takes this dict.)
REPLACE_BY_LIVESTREAM: Any = {
    "disposition": "merge",
    "strategy": "delete-insert",
}


@dlt.source(name=PROVIDER, max_table_nesting=0)
def firework_source(
    config: FireworkConfig,
    start: datetime,
    end: datetime,
    report: RunReport | None = None,
    clock: Clock = time.time,
    store: TokenStore | None = None,
) -> tuple[DltResource, ...]:
    """Configured livestreams whose session starts in [start, end), with their products.

    Args:
        config: ``sources.firework`` (see FireworkConfig).
        start: window start (UTC, inclusive).
        end: window end (UTC, exclusive).
        report: receives request counts, warnings and the error that ended the run, if any.
        clock: unix seconds now (tokens expire by it; unscheduled livestreams are placed by
            it); tests hand the sandbox's clock.
        store: the token store; the state directory's unless given.
    """
    report = report or RunReport(PROVIDER)

    @dlt.resource(name="details", selected=False)
    def details() -> Iterator[list[Document]]:
        """The detail of every configured livestream that may start in the window, read once
        and shared by the four tables."""
        first_seen = _first_seen()
        placed = _placed()
        now = clock()
        checks = FigureChecks()
        unknown: Counter[str] = Counter()
        lo, hi = int(start.timestamp()), int(end.timestamp())
        # one placed on another day already is not read again: its day cannot change
        ids = [i for i in config.ids() if i not in placed or lo <= placed[i] < hi]
        fetched = fetch_all(config, report, clock=clock, store=store, ids=ids)
        finals.begin(config)  # the snapshot that follows need not ask again for these
        for batch in chunked(fetched, DOCUMENTS_PER_BATCH):
            documents = []
            for livestream_id, detail in batch:
                finals.note(config, livestream_id, detail)
                begins = session_start(livestream_id, detail, first_seen, now)
                _place(placed, livestream_id, detail, begins)
                if start <= begins < end:
                    unknown.update({detail["status"]} - STATUSES)
                    documents.append(
                        document(livestream_id, config.account_id, detail, begins, checks)
                    )
            report.add(rows=len(documents))
            if documents:
                yield documents
        finals.save(config)
        if report.errors:
            # which livestreams were not read is known, which days they belong to is not
            report.mark_incomplete(config.account_id, window_days(start, end))
        _warn(report, [*checks.lines(PROVIDER), *_unknown_line(unknown)])

    return (details, *(_table(details, name) for name in TABLES))


def _table(details: DltResource, name: str) -> DltResource:
    schema, key = TABLES[name]

    @dlt.transformer(
        data_from=details,
        name=name,
        primary_key=key,
        merge_key="livestream_id",
        write_disposition=REPLACE_BY_LIVESTREAM,
        max_table_nesting=0,
        schema_contract=ADDED_FIELDS_CONTRACT,
    )
    def rows(documents: list[Document]) -> Iterator[Any]:
        # only ``livestreams`` rows carry added fields (rows.document): columns of their own
        arrow = with_added_fields if name == "livestreams" else to_arrow
        complete = [row for doc in documents if doc.complete for row in doc.tables[name]]
        aside = [row for doc in documents if not doc.complete for row in doc.tables[name]]
        if complete:
            yield arrow(complete, schema)
        if aside:
            yield dlt.mark.with_table_name(arrow(aside, schema), name + INCOMPLETE_SUFFIX)

    return rows


@dlt.source(name=PROVIDER, max_table_nesting=0)
def firework_snapshot(
    config: FireworkConfig,
    report: RunReport | None = None,
    clock: Clock = time.time,
    store: TokenStore | None = None,
) -> DltResource:
    """Every configured livestream's status now, appended with ``observed_at``."""
    report = report or RunReport(PROVIDER)

    @dlt.resource(name="livestream_status", write_disposition="append", max_table_nesting=0)
    def livestream_status() -> Iterator[Any]:
        first_seen = _first_seen()
        placed = _placed()
        ended: dict[str, int] = dlt.current.source_state().setdefault("ended", {})
        now = clock()
        observed = datetime.fromtimestamp(now, UTC)
        # a status already observed final (completed, expired) cannot change: not read again,
        # nor one the history step of this run has just read final (pipelines/firework/finals)
        ids = [i for i in config.ids() if i not in ended]
        known = finals.take(config, ids)
        unread = [i for i in ids if i not in known]
        fetched = fetch_all(config, report, clock=clock, store=store, ids=unread)
        for batch in chunked(chain(known.items(), fetched), DOCUMENTS_PER_BATCH):
            for livestream_id, detail in batch:
                begins = session_start(livestream_id, detail, first_seen, now)  # a sighting
                _place(placed, livestream_id, detail, begins)
                if detail["status"] in FINAL:
                    ended[livestream_id] = 1
            report.add(rows=len(batch))
            rows = [status_row(lid, config.account_id, detail, observed) for lid, detail in batch]
            yield to_arrow(rows, LIVESTREAM_STATUS)
        _warn(report, [])

    return livestream_status


def _first_seen() -> dict[str, int]:
    """When runs first saw each livestream without a schedule, shared by both sources (they
    share the dlt schema, so its source state) and kept in the warehouse with it."""
    state: dict[str, int] = dlt.current.source_state().setdefault("first_seen", {})
    return state


def _placed() -> dict[str, int]:
    """Unix start of every livestream read once it left ``idle``: its day is settled (only
    an idle livestream can be rescheduled), so a run for other days need not read it again.
    Kept in the source state, shared by both sources, in the warehouse."""
    state: dict[str, int] = dlt.current.source_state().setdefault("placed", {})
    return state


def _place(placed: dict[str, int], livestream_id: str, detail: Any, begins: datetime) -> None:
    if detail["status"] != "idle":
        placed[livestream_id] = int(begins.timestamp())
    else:
        placed.pop(livestream_id, None)


def _unknown_line(unknown: Counter[str]) -> list[str]:
    if not unknown:
        return []
    named = ", ".join(f"{status} {n}" for status, n in sorted(unknown.items()))
    return [
        f"{PROVIDER}: livestreams with a status the reference does not list ({named}): "
        "loaded as answered, status NULL in marts.fct_sessions"
    ]


def _warn(report: RunReport, lines: list[str]) -> None:
    for line in lines:
        report.warn(line)
    for line in report.warnings:
        log.warning(line)


# A livestream's products and units belong to the window of its session_start.
OF_LIVESTREAM = Parent("livestream_id", "livestreams", "livestream_id")

SPEC = ProviderSpec(
    name=PROVIDER,
    config=FireworkConfig,
    source=firework_source,
    resources=tuple(TABLES),
    check=check_credentials,
    raw_tables=(
        RawTable("livestreams", "session_start", "timestamp", ("livestream_id",), True),
        RawTable("products", key=("livestream_id",), incomplete=True, parent=OF_LIVESTREAM),
        RawTable("product_units", key=("livestream_id",), incomplete=True, parent=OF_LIVESTREAM),
    ),
    stage=staging.stage,
    snapshot=firework_snapshot,
    snapshot_resources=("livestream_status",),
    about={
        "livestreams": "One row per configured Firework livestream (its detail): event name, "
        "schedule, start and end, status and audience figures, in the partition of its start "
        "(else scheduled) date.",
        "products": "The products each livestream showed, with price and currency.",
        "product_units": "Each product's units (variants) per livestream, with their prices.",
        "product_images": "Image URLs of each livestream's products (cosmetic; dropped when "
        "malformed rather than failing the load).",
        "livestream_status": "Point in time: each configured livestream's status, appended at "
        "every snapshot and stamped observed_at.",
    },
)

__all__ = ["SPEC", "FireworkConfig", "firework_snapshot", "firework_source"]
