"""``marts.gmv_daily``: GMV by day, provider, account and currency."""

from __future__ import annotations

import polars as pl

from models.schema import GMV_DAILY, conform, sum_or_null

GRAIN = ["session_date", "provider", "account_id", "currency"]


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def gmv_daily(fct_sessions: pl.LazyFrame) -> pl.LazyFrame:
    """Sessions with a GMV, summed per grain.

    gpm_usd is USD GMV per 1,000 views over the sessions that reported views; money is
    rounded to the cent after summing, so float noise never shows.
    """
    daily = (
        fct_sessions.filter(pl.col("gmv").is_not_null())
        .group_by(GRAIN)
        .agg(
            pl.len().alias("sessions"),
            (pl.col("duration_s").fill_null(0).sum() / 3600).alias("live_hours"),
            sum_or_null("orders"),
            sum_or_null("items_sold"),
            pl.col("gmv").sum().round(2).alias("gmv"),
            sum_or_null("gmv_usd"),
            pl.col("gmv_usd").filter(pl.col("views") > 0).sum().alias("_gmv_usd_viewed"),
            pl.col("views").filter(pl.col("views") > 0).sum().alias("_views"),
        )
        .with_columns(pl.col("gmv_usd").round(2))
        .with_columns(
            gpm_usd=_ratio(pl.col("_gmv_usd_viewed") * 1000, pl.col("_views")),
            gmv_usd_per_live_hour=_ratio(pl.col("gmv_usd"), pl.col("live_hours")),
        )
        .sort(GRAIN, nulls_last=True)
    )
    return conform(daily, GMV_DAILY)
