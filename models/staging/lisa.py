"""LiSA raw tables -> sessions (one per live stream) and the products shown in them.

A show is not a session: each of its live streams is, dated by the stream's start (a show
scheduled at 23:50 whose stream starts at 00:05 is a session of the next day). Titles use the
``*`` text; every language stays in the raw tables. The show's carousel belongs to each of
its streams. LiSA reports no sales, so orders, items sold and GMV stay NULL, as do the
products' clicks, add-to-carts and items sold.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from models.schema import STAGED_PRODUCTS, STAGED_SESSIONS, conform
from models.staging.staged import UTC_TS, Staged, raw_table

PROVIDER = "lisa"

# The raw columns read here, for tables a first run has not created yet.
STREAMS: dict[str, pl.DataType] = {
    "stream_id": pl.String(),
    "show_id": pl.String(),
    "started_at": UTC_TS,
    "ended_at": UTC_TS,
    "duration_ms": pl.Int64(),
    "viewers": pl.Int64(),
    "emojis": pl.Int64(),
    "messages": pl.Int64(),
}
SHOWS: dict[str, pl.DataType] = {
    "id": pl.String(),
    "account_id": pl.String(),
    "title_default": pl.String(),
    "scheduled_at": UTC_TS,
}
SHOW_PRODUCTS: dict[str, pl.DataType] = {
    "show_id": pl.String(),
    "product_id": pl.String(),
    "title_default": pl.String(),
    "name": pl.String(),
    "price": pl.Float64(),
    "currency": pl.String(),
}


def _sessions_of(raw: Mapping[str, pl.LazyFrame]) -> pl.LazyFrame:
    """Each stream of the window with its show's account, title and schedule."""
    shows = raw_table(raw, "shows", SHOWS).rename({"id": "show_id"})
    return raw_table(raw, "streams", STREAMS).join(shows, on="show_id", how="inner")


def stg_sessions(raw: Mapping[str, pl.LazyFrame]) -> pl.LazyFrame:
    """One row per live stream: a stream without an end is still live."""
    duration_ms = pl.coalesce(
        pl.col("duration_ms"),
        (pl.col("ended_at") - pl.col("started_at")).dt.total_milliseconds(),
    )
    return conform(
        _sessions_of(raw).with_columns(
            provider=pl.lit(PROVIDER),
            session_id=pl.col("stream_id"),
            title=pl.col("title_default"),
            status=pl.when(pl.col("ended_at").is_null())
            .then(pl.lit("live"))
            .otherwise(pl.lit("ended")),
            session_date=pl.col("started_at").dt.date(),
            duration_s=(duration_ms / 1000).round().cast(pl.Int64),
            views=pl.col("viewers"),
            peak_viewers=pl.lit(None, pl.Int64),
            likes=pl.col("emojis"),
            comments=pl.col("messages"),
            shares=pl.lit(None, pl.Int64),
            orders=pl.lit(None, pl.Int64),
            items_sold=pl.lit(None, pl.Int64),
            gmv=pl.lit(None, pl.Float64),
            currency=pl.lit(None, pl.String),
        ),
        STAGED_SESSIONS,
    )


def stg_products(raw: Mapping[str, pl.LazyFrame]) -> pl.LazyFrame:
    """The show's carousel products, once per stream (session) of the window."""
    products = raw_table(raw, "show_products", SHOW_PRODUCTS).rename(
        {"title_default": "product_title"}
    )
    return conform(
        _sessions_of(raw)
        .join(products, on="show_id", how="inner")
        .with_columns(
            provider=pl.lit(PROVIDER),
            session_id=pl.col("stream_id"),
            session_date=pl.col("started_at").dt.date(),
            product_name=pl.coalesce(pl.col("product_title"), pl.col("name")),
            clicks=pl.lit(None, pl.Int64),
            add_to_cart=pl.lit(None, pl.Int64),
            items_sold=pl.lit(None, pl.Int64),
        ),
        STAGED_PRODUCTS,
    )


def stage(raw: Mapping[str, pl.LazyFrame]) -> Staged:
    """The marts' inputs from the raw ``lisa`` tables of a window."""
    return Staged(sessions=stg_sessions(raw), products=stg_products(raw))
