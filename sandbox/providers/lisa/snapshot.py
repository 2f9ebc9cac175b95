"""What LiSA's API shows at one instant, built a day at a time and kept while it holds.

A year at scale 25 is about 62,000 shows of 11 KB each. Rebuilding all of them every clock
second (as the sandbox once did) cost seconds per second and kept gigabytes of JSON; so the
shows of one scheduled day are kept as small filter keys until the first instant any of them
changes (an event in its timeline, or every second while one is live), a show's JSON is
rendered when a page serves it (the latest few thousand are kept), and a ``date`` filter reads
only the days it spans. What a client sees is the same as a whole rebuild at that second.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import pairwise
from typing import Any

import orjson

from sandbox.providers.lisa.world import Channel, ShowSeed, World

RENDERS_KEPT = 4096  # show JSON bodies kept for pages served again (a window's channel scrolls)
SELECTIONS_KEPT = 64  # filtered lists kept per day, for a scroll over many days


class Row:
    """One listed record: what filters and sorts look at (``keys``), and its JSON, kept
    (``raw``) or rendered when served (``make``)."""

    __slots__ = ("_make", "_raw", "keys")

    def __init__(
        self,
        keys: dict[str, Any],
        raw: bytes | None = None,
        make: Callable[[], bytes] | None = None,
    ) -> None:
        self.keys = keys
        self._raw = raw
        self._make = make

    @property
    def raw(self) -> bytes:
        if self._raw is not None:
            return self._raw
        assert self._make is not None
        return self._make()

    @property
    def frag(self) -> orjson.Fragment:
        return orjson.Fragment(self.raw)

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = orjson.loads(self.raw)
        return body


Spec = list[tuple[str, bool]]  # a parsed ``sort``: (key, descending)
Match = Callable[[Row], bool]
Sort = Callable[[list[Row], Spec], list[Row]]


def row(body: dict[str, Any], **keys: Any) -> Row:
    """A row whose JSON is kept (side records: clips, snippets, stickers, stories, channels)."""
    return Row({"id": body["id"], **keys}, raw=orjson.dumps(body))


def newest_first(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.keys["date"], r.keys["id"]))


class Renders:
    """Show JSON by (show, phase of its timeline), the most recently served kept; a live show
    by the second, as its metrics grow."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._kept: OrderedDict[tuple[str, int, float], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def json(self, show: ShowSeed, now: float) -> bytes:
        key = (show.id, show.phase(now), now if show.live_at(now) else -1.0)
        with self._lock:
            raw = self._kept.get(key)
            if raw is not None:
                self._kept.move_to_end(key)
                return raw
        raw = orjson.dumps(self.world.render_show(show, now))
        with self._lock:
            self._kept[key] = raw
            while len(self._kept) > RENDERS_KEPT:
                self._kept.popitem(last=False)
        return raw

    def forget(self, show_id: str) -> None:
        with self._lock:
            for key in [k for k in self._kept if k[0] == show_id]:
                del self._kept[key]


@dataclass
class DayRows:
    """The visible shows scheduled on one day, newest scheduled first, as they are from
    ``since`` until just before ``until``."""

    day: date
    since: float
    until: float
    rows: list[Row]
    low: int  # the earliest scheduled date among rows
    high: int  # the latest
    highlights: dict[str, list[str]]  # channel slug -> its conducted, unarchived shows
    selections: dict[tuple[Any, ...], list[Row]] = field(default_factory=dict)

    def holds_at(self, now: float) -> bool:
        return self.since <= now < self.until

    def select(
        self, key: tuple[Any, ...], spec: Spec | None, match: Match, sort: Sort
    ) -> list[Row]:
        """This day's rows that ``match``, in ``spec`` order; kept for the next page of the
        same query (``key``) while the day holds."""
        found = self.selections.get(key)
        if found is None:
            rows = sort(self.rows, spec) if spec else self.rows
            found = [r for r in rows if match(r)]
            if len(self.selections) >= SELECTIONS_KEPT:
                del self.selections[next(iter(self.selections))]
            self.selections[key] = found
        return found


def day_rows(world: World, renders: Renders, day: date, now: float) -> DayRows:
    rows: list[Row] = []
    until = float("inf")
    highlights: dict[str, list[str]] = {}
    for show in world.shows_on(day):
        nxt = bisect_right(show.times, now)
        if nxt < len(show.times):
            until = min(until, float(show.times[nxt]))
        if show.created > now:
            continue
        live = show.live_at(now)
        if live:
            until = min(until, now + 1)  # its metrics grow by the second
        archived = show.archived is not None and show.archived <= now
        status = "archived" if archived else "ready" if show.published <= now else "draft"
        conducted = bool(show.streams) and show.streams[0].start <= now
        rows.append(
            Row(
                {
                    "id": show.id,
                    "date": show.date,
                    "name": show.name,
                    "createdAt": show.created,
                    "modifiedAt": show.times[show.phase(now) - 1],
                    "status": status,
                    "live": live,
                    "conducted": conducted,
                    "channels": {c.slug for c in show.channels},
                    "creators": {h["username"] for h in show.hosts},
                    "seed": show,
                },
                make=lambda show=show: renders.json(show, now),  # type: ignore[misc]
            )
        )
        if conducted and status != "archived":
            for c in show.channels:
                highlights.setdefault(c.slug, []).append(show.id)
    rows = newest_first(rows)
    dates = [r.keys["date"] for r in rows]
    low, high = (min(dates), max(dates)) if dates else (0, -1)
    return DayRows(day, now, until, rows, low, high, highlights)


SideRows = Callable[[ShowSeed], tuple[list[tuple[int, Row]], ...]]
StoryRows = Callable[[Channel, date], list[tuple[int, Row]]]


@dataclass
class Snapshot:
    """Everything visible at one instant (one clock second); the parts a request does not
    need (every show, clips, stories) are put together only when one asks for them."""

    now: float
    days: list[DayRows]  # oldest first
    world: World
    side_rows: SideRows
    story_rows: StoryRows
    selections: dict[tuple[Any, ...], list[Row]] = field(default_factory=dict)

    @cached_property
    def shows(self) -> list[Row]:
        """Every visible show, newest scheduled date first."""
        return newest_first(r for d in self.days for r in d.rows)

    @cached_property
    def show_by_id(self) -> dict[str, Row]:
        return {r.keys["id"]: r for d in self.days for r in d.rows}

    def select_shows(
        self,
        key: tuple[Any, ...],
        span: tuple[float | None, float | None],
        spec: Spec | None,
        match: Match,
        sort: Sort,
    ) -> list[Row]:
        """The shows that ``match``, in ``spec`` order, reading only the days the ``date``
        filter (``span``) reaches; a page costs the same in a world of a year as of a week.

        Ordered by date (or unordered: newest first), the list is the days' own lists one
        after another, each kept while its day holds; in any other order, all of them."""
        found = self.selections.get(key)
        if found is not None:
            return found
        low, high = span
        days = [
            d
            for d in self.days
            if d.rows and (low is None or d.high >= low) and (high is None or d.low <= high)
        ]
        apart = all(a.high < b.low for a, b in pairwise(days))
        if apart and (spec is None or spec[0][0] == "date"):
            newest = spec is None or spec[0][1]
            found = []
            for d in reversed(days) if newest else days:
                found.extend(d.select(key, spec, match, sort))
        else:
            rows = newest_first(r for d in days for r in d.rows)
            found = [r for r in (sort(rows, spec) if spec else rows) if match(r)]
        self.selections[key] = found
        return found

    @cached_property
    def channels(self) -> list[Row]:
        highlighted: dict[str, list[str]] = {c.slug: [] for c in self.world.channels}
        for d in self.days:
            for slug, ids in d.highlights.items():
                highlighted[slug].extend(ids)
        return [
            row(c.body(sorted(highlighted[c.slug], reverse=True)[-2:]), status="ready")
            for c in self.world.channels
        ]

    @cached_property
    def _side(self) -> tuple[list[Row], list[Row], list[Row]]:
        now = self.now
        clips: list[Row] = []
        snippets: list[Row] = []
        stickers: list[Row] = []
        for d in self.days:
            for r in d.rows:
                side_clips, side_snippets, side_stickers = self.side_rows(r.keys["seed"])
                clips.extend(x for t, x in side_clips if t <= now)
                snippets.extend(x for t, x in side_snippets if t <= now)
                stickers.extend(x for t, x in side_stickers if t <= now)
        return newest_first(clips), newest_first(snippets), newest_first(stickers)

    @property
    def clips(self) -> list[Row]:
        return self._side[0]

    @property
    def snippets(self) -> list[Row]:
        return self._side[1]

    @property
    def stickers(self) -> list[Row]:
        return self._side[2]

    @cached_property
    def stories(self) -> list[Row]:
        found = [
            r
            for channel in self.world.channels
            for d in self.days
            for t, r in self.story_rows(channel, d.day)
            if t <= self.now
        ]
        return newest_first(found)
