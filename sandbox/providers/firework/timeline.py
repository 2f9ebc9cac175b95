"""Which Firework livestreams exist at a given instant.

The world begins ``days`` UTC days before the day the sandbox started on and reaches
``FUTURE_DAYS`` days past the clock's current day. Days are generated on first need and kept,
so a livestream, once it exists, goes on answering however far the clock moves on: a test that
takes status snapshots a day apart sees the same configured ids answer (a sliding window would
turn the oldest day's ids into 404s at midnight). A livestream exists from its ``created_at``.
"""

from __future__ import annotations

import threading

from sandbox.providers.firework.world import (
    DAY_S,
    FUTURE_DAYS,
    Channel,
    Livestream,
    day_livestreams,
)


class Timeline:
    """Livestreams of our business's channels and of a foreign one, by UTC day and by id."""

    def __init__(
        self, seed: int, channels: list[Channel], foreign: list[Channel], start: float, days: int
    ) -> None:
        self.seed = seed
        self.channels = [*channels, *foreign]
        self.days = days
        self.first_day = int(start // DAY_S) - days
        self._lock = threading.Lock()
        self._by_day: dict[int, list[Livestream]] = {}
        self._by_id: dict[str, Livestream] = {}
        self._today: int | None = None

    def _last_day(self, now: float) -> int:
        """The world's last day at ``now``, generating the days up to it not made yet.

        A jump forward of more than ``days`` days skips the days in between (they are never
        made), so a far jump costs no more than the world's own span.
        """
        today = int(now // DAY_S)
        last = today + FUTURE_DAYS
        if self._today != today:
            with self._lock:
                for day in range(max(self.first_day, today - self.days), last + 1):
                    if day not in self._by_day:
                        made = [
                            ls for ch in self.channels for ls in day_livestreams(self.seed, ch, day)
                        ]
                        self._by_day[day] = made
                        for ls in made:
                            self._by_id.setdefault(ls.id, ls)
                self._today = today
        return last

    def get(self, live_stream_id: str, now: float) -> Livestream | None:
        """The livestream if it exists at ``now``."""
        last = self._last_day(now)
        ls = self._by_id.get(live_stream_id)
        if ls is None or ls.day > last or ls.created_at > now:
            return None
        return ls

    def existing(self, now: float) -> list[Livestream]:
        """Every livestream (ours and the foreign business's) that exists at ``now``."""
        last = self._last_day(now)
        with self._lock:
            days = sorted(d for d in self._by_day if d <= last)
            return [ls for d in days for ls in self._by_day[d] if ls.created_at <= now]
