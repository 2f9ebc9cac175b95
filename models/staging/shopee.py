"""Shopee Live raw tables -> the session and product shapes every provider is staged into.

A session's row is its detail (title, status, times) joined with its metric answer (views,
peak_ccu, likes, comments, shares, orders, gmv), and items_sold is the sum of its item
metrics' sold_items. Money is in the account's local currency, stored with each row when it
was loaded (from the account's configured region).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from models.schema import STAGED_PRODUCTS, STAGED_SESSIONS, TS, conform
from models.staging.staged import Staged, from_unix, raw_table

STATUS = {0: "scheduled", 1: "live", 2: "ended"}

# What stage() reads of each raw table; a table a run never created is read as empty.
SESSIONS: dict[str, pl.DataType] = {
    "user_id": pl.Int64(),
    "session_id": pl.Int64(),
    "session_start": pl.Int64(),
    "title": pl.String(),
    "status": pl.Int64(),
    "start_time": pl.Int64(),
    "end_time": pl.Int64(),
    "currency": pl.String(),
}
METRICS: dict[str, pl.DataType] = {
    "session_id": pl.Int64(),
    "views": pl.Int64(),
    "peak_ccu": pl.Int64(),
    "likes": pl.Int64(),
    "comments": pl.Int64(),
    "shares": pl.Int64(),
    "orders": pl.Int64(),
    "gmv": pl.Float64(),
}
ITEM_METRICS: dict[str, pl.DataType] = {
    "user_id": pl.Int64(),
    "session_id": pl.Int64(),
    "session_start": pl.Int64(),
    "item_id": pl.Int64(),
    "name": pl.String(),
    "current_price": pl.Float64(),
    "currency": pl.String(),
    "item_clicks": pl.Int64(),
    "atc": pl.Int64(),
    "sold_items": pl.Int64(),
}


def stg_sessions(
    sessions: pl.LazyFrame, metrics: pl.LazyFrame, item_metrics: pl.LazyFrame
) -> pl.LazyFrame:
    """One row per session. Figures stay NULL for a session whose metrics were not read;
    items_sold is 0 for one whose metrics were read and whose bag sold nothing (or is empty)."""
    sold = item_metrics.group_by("session_id").agg(pl.col("sold_items").sum().alias("items_sold"))
    measured = metrics.unique("session_id", keep="last").with_columns(_measured=pl.lit(True))
    return conform(
        sessions.unique("session_id", keep="last")
        .join(measured, on="session_id", how="left")
        .join(sold, on="session_id", how="left")
        .with_columns(
            provider=pl.lit("shopee"),
            account_id=pl.col("user_id").cast(pl.String),
            session_id=pl.col("session_id").cast(pl.String),
            status=pl.col("status").replace_strict(STATUS, default=None, return_dtype=pl.String),
            scheduled_at=pl.lit(None, TS),  # Shopee has no planned start
            started_at=from_unix("start_time"),
            ended_at=from_unix("end_time"),
            session_date=from_unix("session_start").dt.date(),
            duration_s=pl.when(pl.col("end_time") >= pl.col("start_time")).then(
                pl.col("end_time") - pl.col("start_time")
            ),
            peak_viewers=pl.col("peak_ccu"),
            items_sold=pl.when(pl.col("_measured"))
            .then(pl.col("items_sold").fill_null(0))
            .otherwise(pl.col("items_sold")),
        ),
        STAGED_SESSIONS,
    )


def stg_products(item_metrics: pl.LazyFrame) -> pl.LazyFrame:
    """One row per item of a session's bag, with its clicks, add-to-carts and units sold."""
    return conform(
        item_metrics.with_columns(
            provider=pl.lit("shopee"),
            account_id=pl.col("user_id").cast(pl.String),
            session_id=pl.col("session_id").cast(pl.String),
            session_date=from_unix("session_start").dt.date(),
            product_id=pl.col("item_id").cast(pl.String),
            product_name=pl.col("name"),
            price=pl.col("current_price"),
            clicks=pl.col("item_clicks"),
            add_to_cart=pl.col("atc"),
            items_sold=pl.col("sold_items"),
        ),
        STAGED_PRODUCTS,
    )


def stage(raw: Mapping[str, pl.LazyFrame]) -> Staged:
    """The marts' inputs from the raw ``shopee`` tables of a window."""
    item_metrics = raw_table(raw, "item_metrics", ITEM_METRICS)
    return Staged(
        sessions=stg_sessions(
            raw_table(raw, "sessions", SESSIONS),
            raw_table(raw, "session_metrics", METRICS),
            item_metrics,
        ),
        products=stg_products(item_metrics),
    )
