"""``marts.live_engagement``: what happened during a live session, minute by minute.

Timestamps are UTC without a zone, as in every mart.

Built from the live tables ``lsw live`` fills (comments caught in Shopee's 10-second window,
metric snapshots, status changes), one row per session: comments per minute on air and the
most viewers watching at once. A session still live has figures up to its last observation.
"""

from __future__ import annotations

import polars as pl

from models.staging.staged import TS, naive_utc

LIVE_ENGAGEMENT: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "account_id": pl.String(),
    "session_id": pl.String(),
    "started_at": TS,
    "ended_at": TS,
    "minutes_live": pl.Float64(),
    "comments": pl.Int64(),
    "comments_per_minute": pl.Float64(),
    "peak_comments_in_a_minute": pl.Int64(),
    "peak_concurrent_viewers": pl.Int64(),
    "snapshots": pl.Int64(),
    "last_observed_at": TS,
}


def live_engagement(
    comments: pl.LazyFrame, metrics: pl.LazyFrame, sessions: pl.LazyFrame
) -> pl.LazyFrame:
    """One row per Shopee session seen live.

    ``minutes_live`` runs from the session's start (else its first observation) to its end
    (else its last observation); ``comments_per_minute`` is comments over those minutes (NULL
    under a second on air). ``peak_concurrent_viewers`` is the highest ``peak_ccu`` (or
    ``ccu``) any snapshot reported.
    """
    keys = ["session_id", "user_id"]
    comments = comments.with_columns(commented_at=naive_utc(comments, "commented_at"))
    metrics = metrics.with_columns(observed_at=naive_utc(metrics, "observed_at"))
    sessions = sessions.with_columns(
        started_at=naive_utc(sessions, "started_at"), ended_at=naive_utc(sessions, "ended_at")
    )
    per_minute = (
        comments.with_columns(minute=pl.col("commented_at").dt.truncate("1m"))
        .group_by([*keys, "minute"])
        .agg(n=pl.len())
        .group_by(keys)
        .agg(
            comments=pl.col("n").sum().cast(pl.Int64),
            peak_comments_in_a_minute=pl.col("n").max().cast(pl.Int64),
        )
    )
    seen_comments = comments.group_by(keys).agg(
        first_seen=pl.col("commented_at").min(), last_seen=pl.col("commented_at").max()
    )
    seen_metrics = metrics.group_by(keys).agg(
        peak_concurrent_viewers=pl.max_horizontal(
            pl.col("peak_ccu").max(), pl.col("ccu").max()
        ).cast(pl.Int64),
        snapshots=pl.len().cast(pl.Int64),
        first_seen=pl.col("observed_at").min(),
        last_seen=pl.col("observed_at").max(),
    )
    bounds = sessions.group_by(keys).agg(
        started_at=pl.col("started_at").drop_nulls().first(),
        ended_at=pl.col("ended_at").drop_nulls().first(),
    )
    seen = (
        pl.concat(
            [
                seen_comments.select([*keys, "first_seen", "last_seen"]),
                seen_metrics.select([*keys, "first_seen", "last_seen"]),
            ]
        )
        .group_by(keys)
        .agg(first_seen=pl.col("first_seen").min(), last_seen=pl.col("last_seen").max())
    )
    start = pl.coalesce("started_at", "first_seen")
    end = pl.coalesce("ended_at", "last_seen")
    minutes = (end - start).dt.total_milliseconds() / 60_000
    return (
        seen.join(bounds, on=keys, how="left")
        .join(per_minute, on=keys, how="left")
        .join(seen_metrics.drop("first_seen", "last_seen"), on=keys, how="left")
        .with_columns(
            provider=pl.lit("shopee"),
            account_id=pl.col("user_id").cast(pl.String),
            started_at=start,
            ended_at=pl.col("ended_at"),
            minutes_live=minutes.round(3),
            comments=pl.col("comments").fill_null(0),
            peak_comments_in_a_minute=pl.col("peak_comments_in_a_minute").fill_null(0),
            snapshots=pl.col("snapshots").fill_null(0),
            last_observed_at=pl.col("last_seen"),
        )
        .with_columns(
            comments_per_minute=pl.when(pl.col("minutes_live") >= 1 / 60)
            .then((pl.col("comments") / pl.col("minutes_live")).round(3))
            .otherwise(None),
            session_id=pl.col("session_id").cast(pl.String),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in LIVE_ENGAGEMENT.items()])
        .sort(["started_at", "session_id"])
    )
