"""Sessions every Shopee world has, so a test can name each case a source must handle.

The seeded day-by-day world has most cases somewhere, but a test should not have to search for
them, and a different seed must not lose one. These sessions are placed relative to the instant
the service started (``T``) and its UTC day (``D``); their ids, items and audiences come from
the seed, so the same seed and start instant give the same showcase.

- ``big`` (seller 0, TW): ended; 150 items, so item metrics and item lists take two pages.
- ``exactly_100`` (seller 1, ID): ended; 100 items, one full page with ``more`` false.
- ``before_midnight`` (seller 2, TH): D-2 23:52 to D-1 00:42 UTC (its session date is D-2).
- ``after_midnight`` (seller 3, the second TW): D-1 00:03 to 00:48 UTC.
- ``live`` (seller 0, TW): T-40 min to T+80 min, so status 1 when the service starts.
- ``never_started`` (seller 1, ID): created D-3 09:00 UTC, never started: status 0, start_time 0.
- ``upcoming`` (seller 4, MY): created T-2 h, starts T+3 h, runs 1 h: status 0 until then.

Two configured sessions that fail on purpose: ``foreign`` pairs seller 0 with seller 1's
``exactly_100`` session (error_data "is not belong to you") and ``missing`` pairs seller 0 with
an id no session has or will have (error_data "is not exist").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sandbox.providers.shopee import world as w
from sandbox.providers.shopee.regions import TITLES
from sandbox.seeds import numeric_id, rng

HOUR_MS = 3_600_000
MINUTE_MS = 60_000


class Plan(NamedTuple):
    seller: int
    start_ms: int | None
    duration_ms: int
    create_ms: int
    items: int
    min_views: int


@dataclass(frozen=True)
class Showcase:
    """Session ids by name (see the module docstring), and the two failing configured pairs."""

    big: int
    exactly_100: int
    before_midnight: int
    after_midnight: int
    live: int
    never_started: int
    upcoming: int
    foreign: dict[str, int]
    missing: dict[str, int]

    def error_sessions(self) -> list[dict[str, int]]:
        """The configured pairs that fail: not belong to you, not exist."""
        return [self.foreign, self.missing]


def plans(now: float) -> dict[str, Plan]:
    t = int(now * 1000)
    d = w.day_start(w.utc_day(now)) * 1000
    day = 24 * HOUR_MS
    return {
        "big": Plan(0, d - 3 * day + 14 * HOUR_MS + 250, 2 * HOUR_MS, d - 4 * day, 150, 20_000),
        "exactly_100": Plan(1, d - 2 * day + 10 * HOUR_MS, 90 * MINUTE_MS, d - 3 * day, 100, 8000),
        "before_midnight": Plan(2, d - day - 8 * MINUTE_MS, 50 * MINUTE_MS, d - 2 * day, 24, 5000),
        "after_midnight": Plan(3, d - day + 3 * MINUTE_MS, 45 * MINUTE_MS, d - 2 * day, 18, 5000),
        "live": Plan(0, t - 40 * MINUTE_MS, 2 * HOUR_MS, t - 5 * HOUR_MS, 30, 5000),
        "never_started": Plan(1, None, 0, d - 3 * day + 9 * HOUR_MS, 12, 5000),
        "upcoming": Plan(4, t + 3 * HOUR_MS, HOUR_MS, t - 2 * HOUR_MS, 20, 5000),
    }


def sessions(
    seed: int, sellers: list[w.Seller], catalogs: dict[int, list[w.Item]], now: float
) -> dict[str, w.Session]:
    """The showcase sessions with their seeded ids (the service settles any id clash)."""
    out = {}
    for name, p in plans(now).items():
        seller = sellers[p.seller]
        r = rng(seed, "shopee", "showcase", name)
        sid = int(numeric_id(seed, "shopee", "showcase", name, digits=10))
        out[name] = w.planned_session(
            seed,
            seller,
            sid,
            title=r.choice(TITLES[seller.region]),
            description=f"{seller.username} showcase: {name}",
            is_test=False,
            create_ms=p.create_ms,
            start_ms=p.start_ms,
            duration_ms=p.duration_ms or w.NOMINAL_MS,
            items=r.sample(catalogs[seller.user_id], p.items),
            audience=w.audience(seed, "showcase", name, min_views=p.min_views),
        )
    return out


def missing_id(seed: int) -> int:
    return int(numeric_id(seed, "shopee", "showcase", "missing", digits=10))
