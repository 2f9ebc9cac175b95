"""``marts.engagement_daily``: audience and interactions by day, provider and account."""

from __future__ import annotations

import polars as pl

from models.marts.sessions import engagement_rate
from models.schema import ENGAGEMENT_DAILY, conform, sum_or_null

GRAIN = ["session_date", "provider", "account_id"]


def engagement_daily(fct_sessions: pl.LazyFrame) -> pl.LazyFrame:
    """Every session of the day, with or without GMV, summed per grain.

    The rates are taken over the day's sums, with the same rule as a single session's
    engagement_rate: the summed likes, comments and shares are NULL only when no session
    reported them, so applying the per-session expression to the sums gives Σ interactions /
    Σ views, NULL when nothing was reported or nobody watched. comments_per_live_minute is the
    row's comments over the row's live_minutes, so readers can check it from the row itself.
    """
    daily = (
        fct_sessions.group_by(GRAIN)
        .agg(
            pl.len().alias("sessions"),
            sum_or_null("duration_s"),
            sum_or_null("views"),
            pl.col("peak_viewers").max(),
            sum_or_null("likes"),
            sum_or_null("comments"),
            sum_or_null("shares"),
        )
        .with_columns(live_minutes=pl.col("duration_s") / 60)
        .with_columns(
            engagement_rate=engagement_rate(),
            comments_per_live_minute=pl.when(pl.col("live_minutes") > 0)
            .then(pl.col("comments") / pl.col("live_minutes"))
            .otherwise(None),
        )
        .sort(GRAIN, nulls_last=True)
    )
    return conform(daily, ENGAGEMENT_DAILY)
