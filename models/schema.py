"""Column names and types of the marts, as docs/contract.md defines them (the product contract)."""

from __future__ import annotations

import polars as pl

TS = pl.Datetime("us")  # UTC, stored without a zone so every client reads the same clock time

FCT_SESSIONS: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "account_id": pl.String(),
    "session_id": pl.String(),
    "title": pl.String(),
    "status": pl.String(),
    "scheduled_at": TS,
    "started_at": TS,
    "ended_at": TS,
    "session_date": pl.Date(),
    "duration_s": pl.Int64(),
    "views": pl.Int64(),
    "peak_viewers": pl.Int64(),
    "likes": pl.Int64(),
    "comments": pl.Int64(),
    "shares": pl.Int64(),
    "orders": pl.Int64(),
    "items_sold": pl.Int64(),
    "gmv": pl.Float64(),
    "currency": pl.String(),
    "gmv_usd": pl.Float64(),
    "engagement_rate": pl.Float64(),
}

# What a staging model hands to fct_sessions: everything but the derived columns.
STAGED_SESSIONS = {k: v for k, v in FCT_SESSIONS.items() if k not in ("gmv_usd", "engagement_rate")}

GMV_DAILY: dict[str, pl.DataType] = {
    "session_date": pl.Date(),
    "provider": pl.String(),
    "account_id": pl.String(),
    "currency": pl.String(),
    "sessions": pl.Int64(),
    "live_hours": pl.Float64(),
    "orders": pl.Int64(),
    "items_sold": pl.Int64(),
    "gmv": pl.Float64(),
    "gmv_usd": pl.Float64(),
    "gpm_usd": pl.Float64(),
    "gmv_usd_per_live_hour": pl.Float64(),
}

DIM_FX_RATES: dict[str, pl.DataType] = {"currency": pl.String(), "usd_per_unit": pl.Float64()}

ENGAGEMENT_DAILY: dict[str, pl.DataType] = {
    "session_date": pl.Date(),
    "provider": pl.String(),
    "account_id": pl.String(),
    "sessions": pl.Int64(),
    "live_minutes": pl.Float64(),
    "views": pl.Int64(),
    "peak_viewers": pl.Int64(),
    "likes": pl.Int64(),
    "comments": pl.Int64(),
    "shares": pl.Int64(),
    "engagement_rate": pl.Float64(),
    "comments_per_live_minute": pl.Float64(),
}

# What a staging model hands to product_performance; session_date only picks the partition.
STAGED_PRODUCTS: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "account_id": pl.String(),
    "session_id": pl.String(),
    "session_date": pl.Date(),
    "product_id": pl.String(),
    "product_name": pl.String(),
    "price": pl.Float64(),
    "currency": pl.String(),
    "clicks": pl.Int64(),
    "add_to_cart": pl.Int64(),
    "items_sold": pl.Int64(),
}

# The mart's grain has no account or date (SPEC); the staged date only picks the window.
PRODUCT_PERFORMANCE: dict[str, pl.DataType] = {
    **{k: v for k, v in STAGED_PRODUCTS.items() if k not in ("account_id", "session_date")},
    "est_gmv": pl.Float64(),
}

# One row per follower of an account, as the provider lists them.
STAGED_FOLLOWERS: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "account_id": pl.String(),
    "follower_id": pl.String(),
    "followed_at": TS,
}

# One observation of an account's follower count.
STAGED_FOLLOWER_TOTALS: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "account_id": pl.String(),
    "observed_at": TS,
    "followers_total": pl.Int64(),
}

FOLLOWERS_DAILY: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "provider": pl.String(),
    "account_id": pl.String(),
    "new_followers": pl.Int64(),
    "followers_total": pl.Int64(),
}


def conform(frame: pl.LazyFrame, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """Exactly the contract's columns, in order, with the contract's types."""
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def sum_or_null(column: str) -> pl.Expr:
    """The sum, or NULL when no row reported the figure (not a made-up 0)."""
    col = pl.col(column)
    return pl.when(col.is_not_null().any()).then(col.sum()).otherwise(None).alias(column)
