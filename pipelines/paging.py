"""Stopping a newest-first feed at the window's start, without trusting the order blindly.

Several providers list records newest first with no date filter (KeyAPI's livestreams,
Trovo's followers with ``direction=desc``): a run can stop paging at the first page that
reaches past the window's start, since everything after it is older. That shortcut is taken
only while every page seen so far really was in descending order, so a differently ordered
feed is read to the end instead of being cut short.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any, Generic, Protocol, TypeVar


class _Comparable(Protocol):
    def __ge__(self, other: Any, /) -> bool: ...
    def __lt__(self, other: Any, /) -> bool: ...


T = TypeVar("T", bound=_Comparable)


class NewestFirst(Generic[T]):
    """Watches the times of each page and says when the rest of the feed is older than ``start``.

    ``complete_after``: while the feed has been newest first, every record after this time has
    been seen, so a run stopped early (a budget, an error) knows which days are whole.
    """

    def __init__(self, start: T) -> None:
        self.start = start
        self.holds = True
        self.previous: T | None = None
        self.complete_after: T | None = None

    def past_window(self, times: Sequence[T]) -> bool:
        """Record a page's times (in feed order); True when later pages can only be older."""
        if not times:
            return False
        descending = all(a >= b for a, b in pairwise(times))
        follows = self.previous is None or self.previous >= times[0]
        self.holds = self.holds and descending and follows
        if self.holds and times[-1] < self.start:
            return True
        self.previous = times[-1]
        self.complete_after = times[-1] if self.holds else None
        return False
