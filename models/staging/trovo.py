"""Trovo raw tables -> sessions, followers and follower totals.

Trovo has no list of past streams: a session is a stream start seen in the channel
snapshots taken every few minutes (docs/contract.md). Each snapshot says the latest stream's
``started_at`` and ``ended_at``; ``ended_at < started_at`` means it is still live (the
``ended_at`` is then the previous stream's end). So one session per (channel, started_at):
its title is the last title seen while live, its peak the most viewers seen while live, its
end the ``ended_at`` of a snapshot taken after it ended. A stream no snapshot saw live has
no peak (NULL, not 0); one whose end no snapshot saw has no ended_at, and counts as ended
once a later stream of the channel has been seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import polars as pl

from models.schema import (
    STAGED_FOLLOWER_TOTALS,
    STAGED_FOLLOWERS,
    STAGED_SESSIONS,
    TS,
    conform,
)
from models.staging.staged import Staged, naive_utc

PROVIDER = "trovo"


def _naive_utc(frame: pl.LazyFrame, *columns: str) -> pl.LazyFrame:
    return frame.with_columns([naive_utc(frame, name) for name in columns])


def stg_sessions(snapshots: pl.LazyFrame) -> pl.LazyFrame:
    """One session per channel and distinct stream start seen in the snapshots."""
    live = pl.col("live")
    ended, started = pl.col("ended_at"), pl.col("started_at")
    snaps = (
        _naive_utc(snapshots, "observed_at", "started_at", "ended_at")
        .filter(started.is_not_null())
        .with_columns(
            live=pl.when(ended.is_not_null())
            .then(ended < started)
            .otherwise(pl.col("is_live").fill_null(False))
        )
        # each figure as a column of its own, NULL where it does not count, so that the
        # aggregations below are plain max / latest-by-time (no filter per group, no sort)
        .with_columns(
            _live_title=pl.when(live).then(pl.col("live_title")),
            _live_viewers=pl.when(live).then(pl.col("current_viewers")),
            _ended=pl.when(ended >= started).then(ended),
            # while live, ended_at is the end of the stream before this one
            _before_ended=pl.when(ended < started).then(ended),
        )
    )
    observed = pl.col("observed_at")

    def latest(column: str) -> pl.Expr:
        """The column's last non-NULL value by observed_at."""
        return pl.col(column).max_by(pl.when(pl.col(column).is_not_null()).then(observed))

    sessions = (
        snaps.group_by(["channel_id", "started_at"])
        .agg(
            title=pl.coalesce(latest("_live_title"), latest("live_title")),
            peak_viewers=pl.col("_live_viewers").max(),
            ended_at=pl.col("_ended").max(),
            before_ended=pl.col("_before_ended").max(),
            last_live=live.max_by(observed),
        )
        .sort(["channel_id", "started_at"])
        .with_columns(
            later=pl.col("started_at").shift(-1).over("channel_id"),
            later_says=pl.col("before_ended").shift(-1).over("channel_id"),
        )
        .with_columns(
            ended_at=pl.coalesce(
                pl.col("ended_at"),
                pl.when(pl.col("later_says") >= pl.col("started_at")).then(pl.col("later_says")),
            )
        )
    )
    return conform(
        sessions.with_columns(
            provider=pl.lit(PROVIDER),
            account_id=pl.col("channel_id"),
            session_id=pl.col("channel_id")
            + ":"
            + pl.col("started_at").dt.epoch("s").cast(pl.String),
            status=pl.when(pl.col("last_live") & pl.col("later").is_null())
            .then(pl.lit("live"))
            .otherwise(pl.lit("ended")),
            scheduled_at=pl.lit(None, TS),
            session_date=pl.col("started_at").dt.date(),
            duration_s=(pl.col("ended_at") - pl.col("started_at")).dt.total_seconds(),
            views=pl.lit(None, pl.Int64),
            likes=pl.lit(None, pl.Int64),
            comments=pl.lit(None, pl.Int64),
            shares=pl.lit(None, pl.Int64),
            orders=pl.lit(None, pl.Int64),
            items_sold=pl.lit(None, pl.Int64),
            gmv=pl.lit(None, pl.Float64),
            currency=pl.lit(None, pl.String),
        ),
        STAGED_SESSIONS,
    )


def stg_followers(followers: pl.LazyFrame) -> pl.LazyFrame:
    return conform(
        _naive_utc(followers, "followed_at").with_columns(
            provider=pl.lit(PROVIDER),
            account_id=pl.col("channel_id"),
            follower_id=pl.col("user_id"),
        ),
        STAGED_FOLLOWERS,
    )


def stg_follower_totals(snapshots: pl.LazyFrame) -> pl.LazyFrame:
    """Each snapshot's follower count of its channel."""
    return conform(
        _naive_utc(snapshots, "observed_at").with_columns(
            provider=pl.lit(PROVIDER),
            account_id=pl.col("channel_id"),
            followers_total=pl.col("followers"),
        ),
        STAGED_FOLLOWER_TOTALS,
    )


def snapshots_of_window(table: str, start: datetime, end: datetime) -> tuple[str, list[object]]:
    """The query of the snapshots a window [start, end) needs (``channel_snapshots``' scope).

    - Its sessions (started in the window) whole, whenever observed: their title, peak, end.
    - The first later session of each channel: its live snapshots say when the window's last
      session ended if no snapshot saw it ended, and that it is no longer live.
    - The snapshots observed in the window, and each channel's last follower count before it,
      which carries forward into the window's days (models/marts/followers.py).

    Four disjoint parts, each of which the database prunes by time, so the rows read do not
    grow with history (the last count before the window still scans two columns of it).
    Portable SQL: the same query runs on DuckDB, PostgreSQL and the other destinations. Sessions
    that started before the window may show up partly; the marts keep the window's sessions.
    """
    sql = f"""
        with next_start as (
            select channel_id, min(started_at) as started_at from {table}
            where started_at >= ? group by channel_id),
        last_count as (
            select channel_id, max(observed_at) as observed_at from {table}
            where observed_at < ? and followers is not null group by channel_id)
        select * from {table} where started_at >= ? and started_at < ?
        union all
        select * from {table} where (channel_id, started_at) in (select * from next_start)
        union all
        select * from {table} where observed_at >= ? and observed_at < ?
            and (started_at is null or started_at < ?)
        union all
        select * from {table} where (channel_id, observed_at) in (select * from last_count)
            and (started_at is null or started_at < ?)"""
    return sql, [end, start, start, end, start, end, start, start]


def stage(raw: Mapping[str, pl.LazyFrame]) -> Staged:
    """The marts' inputs from the raw ``trovo`` tables of a window (snapshots as
    ``snapshots_of_window`` picks them); a table that does not exist yet is left out."""
    snapshots = raw.get("channel_snapshots")
    followers = raw.get("followers")
    return Staged(
        sessions=None if snapshots is None else stg_sessions(snapshots),
        followers=None if followers is None else stg_followers(followers),
        follower_totals=None if snapshots is None else stg_follower_totals(snapshots),
    )
