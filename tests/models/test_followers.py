"""followers_daily on hand-built followers and totals: no DuckDB, no Dagster."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from models.marts.followers import followers_daily
from models.schema import FOLLOWERS_DAILY, STAGED_FOLLOWER_TOTALS, STAGED_FOLLOWERS

JAN1, JAN2, JAN3 = date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)
LAST_US = datetime(2026, 1, 1, 23, 59, 59, 999999)  # the last instant of Jan 1 UTC


def _followers(*rows: tuple[str, str, datetime | None], provider: str = "trovo") -> pl.LazyFrame:
    return pl.LazyFrame(
        [
            {"provider": provider, "account_id": a, "follower_id": f, "followed_at": at}
            for a, f, at in rows
        ],
        schema=STAGED_FOLLOWERS,
    )


def _totals(*rows: tuple[str, datetime, int | None], provider: str = "trovo") -> pl.LazyFrame:
    return pl.LazyFrame(
        [
            {"provider": provider, "account_id": a, "observed_at": at, "followers_total": n}
            for a, at, n in rows
        ],
        schema=STAGED_FOLLOWER_TOTALS,
    )


def _rows(frame: pl.LazyFrame) -> list[tuple[object, ...]]:
    collected = frame.collect()
    assert collected.columns == list(FOLLOWERS_DAILY)
    assert collected.schema == pl.Schema(FOLLOWERS_DAILY)
    return collected.rows()


def test_followers_fall_on_their_utc_date_and_the_window_is_half_open() -> None:
    followers = _followers(
        ("c", "before", datetime(2025, 12, 31, 23, 59, 59)),  # known, but not in the window
        ("c", "midnight", datetime(2026, 1, 1)),
        ("c", "last", LAST_US),
        ("c", "next", datetime(2026, 1, 2)),
        ("c", "after", datetime(2026, 1, 3)),  # end_day is excluded
        ("c", "undated", None),  # cannot be placed on a day
    )
    assert _rows(followers_daily([followers], [], JAN1, JAN3)) == [
        (JAN1, "trovo", "c", 2, None),
        (JAN2, "trovo", "c", 1, None),
    ]


def test_totals_carry_forward_into_the_window_and_never_leak_backwards() -> None:
    totals = _totals(
        ("c", datetime(2025, 12, 30, 8), 10),  # before the window: carried into it
        ("c", datetime(2026, 1, 2), 12),  # midnight belongs to Jan 2, not Jan 1
        ("c", datetime(2026, 1, 2, 23, 59, 59, 999999), 13),  # latest of Jan 2
        ("c", datetime(2026, 1, 2, 12), None),  # a snapshot without a figure is no total
        ("c", datetime(2026, 1, 3), 99),  # after the window: must not show
    )
    assert _rows(followers_daily([], [totals], JAN1, JAN3)) == [
        (JAN1, "trovo", "c", 0, 10),
        (JAN2, "trovo", "c", 0, 13),
    ]


def test_an_account_appears_from_its_first_data_and_not_before() -> None:
    followers = _followers(("late", "u1", datetime(2026, 1, 2, 9)))
    totals = _totals(
        ("snap", datetime(2026, 1, 2, 10), 40),
        ("future", datetime(2026, 1, 3, 0, 0, 1), 7),  # known only after the window
    )
    assert _rows(followers_daily([followers], [totals], JAN1, JAN3)) == [
        (JAN2, "trovo", "late", 1, None),
        (JAN2, "trovo", "snap", 0, 40),
    ]


def test_a_follower_listed_twice_counts_once_at_its_latest_staging() -> None:
    first_run = _followers(
        ("c", "u1", datetime(2026, 1, 1, 8)),
        ("c", "u1", datetime(2026, 1, 1, 8)),  # the same page twice
        ("c", "u2", datetime(2026, 1, 1, 9)),
    )
    second_run = _followers(("c", "u2", datetime(2026, 1, 2, 9)))  # unfollowed and came back
    other_provider = _followers(("c", "u1", datetime(2026, 1, 1, 8)), provider="lisa")
    assert _rows(followers_daily([first_run, second_run, other_provider], [], JAN1, JAN3)) == [
        (JAN1, "lisa", "c", 1, None),
        (JAN1, "trovo", "c", 1, None),
        (JAN2, "lisa", "c", 0, None),
        (JAN2, "trovo", "c", 1, None),
    ]


def test_same_instant_snapshots_keep_the_latest_staged() -> None:
    at = datetime(2026, 1, 1, 12)
    totals = [_totals(("c", at, 5)), _totals(("c", at, 6))]
    assert _rows(followers_daily([], totals, JAN1, JAN2)) == [(JAN1, "trovo", "c", 0, 6)]


def test_no_data_or_an_empty_window_is_an_empty_mart() -> None:
    followers = _followers(("c", "u1", datetime(2026, 1, 1, 8)))
    assert _rows(followers_daily([], [], JAN1, JAN3)) == []
    assert _rows(followers_daily([followers], [], JAN2, JAN2)) == []
