"""Firework livestream rows -> the session and product shapes every provider is staged into.

Firework's detail carries a schedule, a status and products, and no figures at all: views,
likes, sales and GMV stay NULL (not 0), and so do started_at and ended_at, which the API
does not give.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from models.schema import STAGED_PRODUCTS, STAGED_SESSIONS, TS, conform
from models.staging.staged import Staged, naive_utc

PROVIDER = "firework"

# firework-livestreams.md's statuses -> docs/contract.md's; anything else stays NULL
STATUS = {
    "idle": "scheduled",
    "active": "live",
    "paused": "live",
    "replay": "ended",
    "completed": "ended",
    "expired": "cancelled",
}

# The raw columns staging reads from a table a run has not created (no livestream had one).
PRODUCTS: dict[str, pl.DataType] = {
    "livestream_id": pl.String(),
    "product_id": pl.String(),
    "position": pl.Int64(),
    "product_name": pl.String(),
    "product_currency": pl.String(),
}
UNITS: dict[str, pl.DataType] = {
    "livestream_id": pl.String(),
    "product_id": pl.String(),
    "position": pl.Int64(),
    "unit_price": pl.Float64(),
}


def _listed_products(livestreams: pl.LazyFrame, products: pl.LazyFrame) -> pl.LazyFrame:
    """Products of the window's livestreams, as their latest answer lists them.

    A livestream whose latest answer has no products keeps its earlier product rows in the
    raw table (nothing of it was loaded to replace them): ``product_count`` 0 drops them.
    """
    listed = livestreams.filter(pl.col("product_count") > 0).select(
        "livestream_id", "account_id", "session_date"
    )
    return products.join(listed, on="livestream_id", how="inner")


def _with_session_date(livestreams: pl.LazyFrame) -> pl.LazyFrame:
    return livestreams.with_columns(session_date=naive_utc(livestreams, "session_start").dt.date())


def stg_sessions(livestreams: pl.LazyFrame, products: pl.LazyFrame) -> pl.LazyFrame:
    """One row per livestream; currency is its products' when they all share one."""
    dated = _with_session_date(livestreams)
    currency = (
        _listed_products(dated, products)
        .group_by("livestream_id")
        .agg(pl.col("product_currency").drop_nulls().unique().alias("_currencies"))
        .select(
            "livestream_id",
            currency=pl.when(pl.col("_currencies").list.len() == 1)
            .then(pl.col("_currencies").list.first())
            .otherwise(None),
        )
    )
    null_int = pl.lit(None, pl.Int64)
    return conform(
        dated.join(currency, on="livestream_id", how="left").with_columns(
            provider=pl.lit(PROVIDER),
            session_id=pl.col("livestream_id"),
            title=pl.col("event_name"),
            status=pl.col("status").replace_strict(STATUS, default=None, return_dtype=pl.String),
            scheduled_at=naive_utc(dated, "scheduled_at"),
            started_at=pl.lit(None, TS),
            ended_at=pl.lit(None, TS),
            duration_s=null_int,
            views=null_int,
            peak_viewers=null_int,
            likes=null_int,
            comments=null_int,
            shares=null_int,
            orders=null_int,
            items_sold=null_int,
            gmv=pl.lit(None, pl.Float64),
        ),
        STAGED_SESSIONS,
    )


def stg_products(
    livestreams: pl.LazyFrame, products: pl.LazyFrame, units: pl.LazyFrame
) -> pl.LazyFrame:
    """One row per product of a livestream; its price is its first unit's (NULL without
    units). Firework reports no clicks, carts or sales: those stay NULL."""
    first_price = units.group_by("livestream_id", "product_id").agg(
        price=pl.col("unit_price").sort_by("position").first()
    )
    null_int = pl.lit(None, pl.Int64)
    return conform(
        _listed_products(_with_session_date(livestreams), products)
        .join(first_price, on=["livestream_id", "product_id"], how="left")
        .with_columns(
            provider=pl.lit(PROVIDER),
            session_id=pl.col("livestream_id"),
            currency=pl.col("product_currency"),
            clicks=null_int,
            add_to_cart=null_int,
            items_sold=null_int,
        )
        .sort("livestream_id", "position"),
        STAGED_PRODUCTS,
    )


def stage(raw: Mapping[str, pl.LazyFrame]) -> Staged:
    """The marts' inputs from the raw ``firework`` tables of a window (products and units
    are those of its livestreams; the window's livestreams with products pick theirs)."""
    livestreams = raw["livestreams"]
    products = raw.get("products", pl.LazyFrame(schema=PRODUCTS))
    units = raw.get("product_units", pl.LazyFrame(schema=UNITS))
    return Staged(
        sessions=stg_sessions(livestreams, products),
        products=stg_products(livestreams, products, units),
    )
