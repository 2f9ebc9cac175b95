"""``marts.followers_daily``: new followers and the follower count by day and account."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from models.schema import FOLLOWERS_DAILY, STAGED_FOLLOWER_TOTALS, STAGED_FOLLOWERS, TS, conform

ACCOUNT = ["provider", "account_id"]


def _stack(frames: Sequence[pl.LazyFrame], schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    conformed = [conform(frame, schema) for frame in frames]
    return pl.concat(conformed, how="vertical") if conformed else pl.LazyFrame(schema=schema)


def followers_daily(
    followers: Sequence[pl.LazyFrame],
    totals: Sequence[pl.LazyFrame],
    first_day: date,
    end_day: date,
) -> pl.LazyFrame:
    """One row per day in [first_day, end_day) and account known by that day.

    An account is known from the UTC date of its first follower or first total snapshot.
    followers_total is the latest snapshot strictly before the next UTC midnight, so a total
    observed before the window carries forward into it and one observed after never leaks back.
    A follower listed twice (pages, re-runs) counts once, at its latest staged followed_at.
    """
    listed = (
        _stack(followers, STAGED_FOLLOWERS)
        .filter(pl.col("followed_at").is_not_null())
        .unique([*ACCOUNT, "follower_id"], keep="last")
        .with_columns(date=pl.col("followed_at").dt.date())
    )
    # Only each account's last snapshot of a day can be a day's total (the latest strictly
    # before the next midnight): keeping those first turns a snapshot every few minutes into
    # about one row a day before anything is sorted. Of snapshots at the same instant, the
    # latest staged (the last in order) wins.
    observed = pl.col("observed_at")
    snapshots = (
        _stack(totals, STAGED_FOLLOWER_TOTALS)
        .filter(observed.is_not_null() & pl.col("followers_total").is_not_null())
        .filter(observed == observed.max().over([*ACCOUNT, observed.dt.date()]))
        .unique([*ACCOUNT, "observed_at"], keep="last")
        .sort("observed_at")
    )
    known_since = (
        pl.concat(
            [
                listed.select(*ACCOUNT, "date"),
                snapshots.select(*ACCOUNT, date=pl.col("observed_at").dt.date()),
            ]
        )
        .group_by(ACCOUNT)
        .agg(pl.col("date").min().alias("known_since"))
    )
    days = pl.LazyFrame(
        {"date": pl.date_range(first_day, end_day, closed="left", eager=True)},
        schema={"date": pl.Date()},
    )
    new_by_day = listed.group_by([*ACCOUNT, "date"]).agg(
        pl.col("follower_id").n_unique().alias("new_followers")
    )
    grid = (
        known_since.join(days, how="cross")
        .filter(pl.col("date") >= pl.col("known_since"))
        .with_columns(day_end=(pl.col("date") + pl.duration(days=1)).cast(TS))
        .sort("day_end")
    )
    daily = (
        grid.join_asof(
            snapshots,
            left_on="day_end",
            right_on="observed_at",
            by=ACCOUNT,
            strategy="backward",
            allow_exact_matches=False,  # a snapshot at midnight belongs to the next day
            check_sortedness=False,  # both sides sorted above; Polars cannot check by group
        )
        .join(new_by_day, on=[*ACCOUNT, "date"], how="left")
        .with_columns(pl.col("new_followers").fill_null(0))
        .sort(["date", *ACCOUNT], nulls_last=True)
    )
    return conform(daily, FOLLOWERS_DAILY)
