"""What one run reads from LiSA: a window of days (history) or the shows modified since a mark.

Both read the same way. ``GET /channels`` first, then each channel's shows (``channel=<slug>``
with the run's filters), because a show does not name its channels: a show's account is the
first channel, in ``/channels`` order, that lists it, else the configured ``account_id``. Then
every show under the same filters. Shows are only emitted once every channel has been read,
so no row ever carries a wrong account.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from pipelines.errors import ProviderError
from pipelines.fanout import fan_out
from pipelines.http import ProviderClient
from pipelines.lisa.client import Listing, lisa_client, scroll
from pipelines.lisa.rows import channel_row, product_rows, show_row, stream_row, utc
from pipelines.lisa.schema import CHANNEL_PAGE, SHOW_PAGE, Show
from pipelines.lisa.settings import (
    ALL_STATUSES,
    CHANNELS_PATH,
    PROVIDER,
    SHOWS_PATH,
    SORT,
    LisaConfig,
)
from pipelines.outage import Outage
from pipelines.report import RunReport
from pipelines.units import window_days

log = logging.getLogger("lsw.lisa")
DAY = timedelta(days=1)
# Edits LiSA stamps while a run scrolls may carry an earlier modifiedAt than shows read
# later in the same run: the mark never passes the server's clock at the start, less this.
CLOCK_MARGIN = timedelta(seconds=60)


@dataclass
class Tables:
    """Rows per raw table, and (incremental runs) the mark to keep: None keeps the old one."""

    shows: list[dict[str, Any]] = field(default_factory=list)
    streams: list[dict[str, Any]] = field(default_factory=list)
    show_products: list[dict[str, Any]] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)
    mark: str | None = None
    shifted: bool = False  # a listing changed while it was scrolled
    began: datetime | None = None  # LiSA's clock (Date header) at the run's first answer

    def add_show(
        self, show: Show, channels: list[str], account_id: str, streams: Iterable[Any]
    ) -> None:
        self.add(ShowRows.of(show, channels, account_id, streams))

    def add(self, rows: ShowRows) -> None:
        self.shows.append(rows.show)
        self.streams.extend(rows.streams)
        self.show_products.extend(rows.products)


@dataclass
class ShowRows:
    """One show's rows of the raw tables."""

    show: dict[str, Any]
    streams: list[dict[str, Any]]
    products: list[dict[str, Any]]

    @classmethod
    def of(
        cls, show: Show, channels: list[str], account_id: str, streams: Iterable[Any]
    ) -> ShowRows:
        return cls(
            show_row(show, channels, account_id),
            [stream_row(show["id"], s) for s in streams],
            product_rows(show),
        )


@dataclass
class Read:
    """What a window's listing keeps of a show as each page arrives: its id, its scheduled
    date, and its rows if it belongs in the window; never the whole document."""

    id: str
    date: datetime
    rows: ShowRows | None


def iso(moment: datetime) -> str:
    """LiSA's own format: milliseconds and ``Z``."""
    at = moment.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def date_filter(start: datetime, end: datetime, margin_days: int) -> str:
    """``date=<from>,<to>`` (whole days, both inclusive) for the window [start, end).

    ``date`` compares the scheduled date, and a stream may start on another day than its
    show was scheduled for (late shows start after midnight, early ones before): the range
    reaches ``margin_days`` past the window on both sides, and streams are then kept by their
    own start.
    """
    margin = timedelta(days=margin_days)
    first = (start - margin).astimezone(UTC).date()
    last = (end + margin - DAY).astimezone(UTC).date()
    return f"{first.isoformat()},{last.isoformat()}"


def extract_window(config: LisaConfig, start: datetime, end: datetime, report: RunReport) -> Tables:
    """Shows with a stream that started in [start, end), or none and scheduled in it."""
    days = window_days(start, end)
    params = {
        "date": date_filter(start, end, config.date_margin_days),
        "status": ALL_STATUSES,
        "sort": SORT,
    }
    tables = Tables()
    with lisa_client(config) as client:
        try:
            outage = Outage(PROVIDER)  # a damaged page is asked for again; many in a row stop
            members = _memberships(client, config, params, report, tables, outage)
            if members is None:
                report.mark_incomplete(config.account_id, days)
                return tables

            def read(show: Show) -> Read:
                streams = show.get("streams") or []
                inside = [s for s in streams if start <= _at(s["start"]) < end]
                if inside or (not streams and start <= _at(show["date"]) < end):
                    channels = members.get(show["id"], [])
                    return Read(
                        show["id"], show["date"], ShowRows.of(show, channels, account, inside)
                    )
                return Read(show["id"], show["date"], None)

            account = config.account_id
            listing = scroll(client, SHOWS_PATH, SHOW_PAGE, params, outage=outage, keep=read)
            report.add(pages=listing.pages)
            # each show once (a list that moves while scrolled can repeat one), last answer wins
            for got in {r.id: r for r in listing.items}.values():
                if got.rows is not None:
                    tables.add(got.rows)
            report.add(rows=len(tables.shows))
            _warn_shifted(listing, report, tables)
            if listing.error is not None:
                report.fail(listing.error)
                scheduled = [r.date for r in listing.items]
                whole = _read_days(days, scheduled, config.date_margin_days)
                report.mark_incomplete(config.account_id, [d for d in days if d not in whole])
        finally:
            report.add(requests=client.requests_made)
    return tables


def extract_modified(config: LisaConfig, since: datetime, report: RunReport) -> Tables:
    """Shows modified strictly after ``since``, with all their streams, and the next mark.

    The mark is the latest ``meta.modifiedAt`` read, but never later than LiSA's clock when
    the run began (less a margin: an edit made while the run reads is read again next time
    rather than lost), and it stays where it was when anything went wrong: an
    error, or a list that grew while it was scrolled (a show may have been skipped).
    """
    params = {"modified_since": iso(since), "status": ALL_STATUSES, "sort": SORT}
    tables = Tables()
    with lisa_client(config) as client:
        try:
            outage = Outage(PROVIDER)
            members = _memberships(client, config, params, report, tables, outage)
            if members is None:
                return tables
            listing = scroll(client, SHOWS_PATH, SHOW_PAGE, params, outage=outage)
            report.add(pages=listing.pages)
            shows = list(_unique(listing.items))
            for show in shows:
                channels = members.get(show["id"], [])
                tables.add_show(show, channels, config.account_id, show.get("streams") or [])
            report.add(rows=len(tables.shows))
            _warn_shifted(listing, report, tables)
            if listing.error is not None:
                report.fail(listing.error)
            elif not tables.shifted:
                tables.mark = iso(_next_mark(since, shows, tables.began))
        finally:
            report.add(requests=client.requests_made)
    return tables


def _memberships(
    client: ProviderClient,
    config: LisaConfig,
    params: dict[str, str],
    report: RunReport,
    tables: Tables,
    outage: Outage,
) -> dict[str, list[str]] | None:
    """Show id -> the slugs of the channels listing it, in ``/channels`` order; None (the
    error reported) when a listing failed, since then no show's account can be trusted."""
    channels = scroll(client, CHANNELS_PATH, CHANNEL_PAGE, {}, outage=outage)
    report.add(pages=channels.pages)
    tables.began = channels.server_time
    if channels.error is not None:
        report.fail(channels.error)
        return None
    slugs = [c["slug"] for c in channels.items]
    tables.channels.extend(channel_row(c, i) for i, c in enumerate(channels.items, 1))

    def listing(slug: str, stop: threading.Event) -> Listing:
        query = {**params, "channel": slug}
        found = scroll(client, SHOWS_PATH, SHOW_PAGE, query, stop, outage, keep=_show_id)
        if found.error is not None:
            stop.set()  # a refused key or a broken page fails every channel alike
        return found

    members: dict[str, list[str]] = {}
    failed: ProviderError | None = None
    for slug, found in zip(
        slugs, fan_out(slugs, listing, concurrency=config.concurrency), strict=True
    ):
        report.add(pages=found.pages)
        _warn_shifted(found, report, tables)
        failed = failed or found.error
        for show_id in found.items:
            members.setdefault(show_id, [])
            if slug not in members[show_id]:
                members[show_id].append(slug)
    if failed is not None:
        report.fail(failed)
        return None
    return members


def _show_id(show: Show) -> str:
    """All a channel's listing keeps of a show: which channels list it is all it tells."""
    return show["id"]


def _unique(shows: list[Show]) -> Iterable[Show]:
    """Each show once (a list that moves while scrolled can repeat one), last answer wins."""
    return {show["id"]: show for show in shows}.values()


def _at(moment: datetime) -> datetime:
    aware = utc(moment)
    assert aware is not None
    return aware


def _read_days(days: list[date], dates: list[datetime], margin_days: int) -> set[date]:
    """Days whose every show was read before a listing broke off, from the scheduled dates
    of the shows read.

    Shows come by scheduled date, ascending; a day's streams belong to shows scheduled up to
    ``margin_days`` after it, so a day is whole once a show scheduled after that was read.
    """
    scheduled = [_at(d) for d in dates]
    if not scheduled or any(a > b for a, b in pairwise(scheduled)):
        return set()
    last = scheduled[-1]
    reach = timedelta(days=margin_days + 1)
    return {d for d in days if datetime(d.year, d.month, d.day, tzinfo=UTC) + reach <= last}


def _next_mark(since: datetime, shows: list[Show], server_time: datetime | None) -> datetime:
    stamps = [(s.get("meta") or {}).get("modifiedAt") for s in shows]
    latest = max((_at(t) for t in stamps if t is not None), default=since)
    if server_time is not None:
        latest = min(latest, server_time - CLOCK_MARGIN)
    return max(since, latest)


def _warn_shifted(listing: Listing, report: RunReport, tables: Tables) -> None:
    if not listing.shifted:
        return
    tables.shifted = True
    line = (
        f"{PROVIDER}: GET {SHOWS_PATH}: the list changed while it was scrolled "
        "(numItemsTotal moved); a show may have been skipped and is read again next run"
    )
    report.warn(line)
    log.warning(line)
