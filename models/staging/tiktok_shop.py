"""TikTok Shop (KeyAPI) livestream rows -> the session shape every provider is staged into."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from models.schema import STAGED_SESSIONS, TS, conform
from models.staging.staged import Staged, from_unix

# KeyAPI reports GMV in the currency of the shop's region (docs/providers/tiktok_shop.md).
REGION_CURRENCY = {
    "US": "USD",
    "GB": "GBP",
    "ID": "IDR",
    "TH": "THB",
    "MY": "MYR",
    "VN": "VND",
    "PH": "PHP",
    "SG": "SGD",
    "MX": "MXN",
    "JP": "JPY",
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "IE": "EUR",
    "BR": "BRL",
    "SA": "SAR",
    "AE": "AED",
}


def stg_sessions(livestreams: pl.LazyFrame) -> pl.LazyFrame:
    """One row per livestream (``room_id``); KeyAPI lists only finished ones.

    ``total_sale_cnt`` counts units, not orders (docs/providers/tiktok_shop.md), so it is
    items_sold and orders stays NULL; likes, comments and shares are not reported.
    """
    return conform(
        livestreams.with_columns(
            provider=pl.lit("tiktok_shop"),
            account_id=pl.col("seller_id"),
            session_id=pl.col("room_id"),
            status=pl.lit("ended"),
            scheduled_at=pl.lit(None, TS),
            started_at=from_unix("create_time"),
            ended_at=from_unix("finish_time"),
            duration_s=pl.coalesce(
                pl.col("duration"), pl.col("finish_time") - pl.col("create_time")
            ),
            views=pl.col("total_views_cnt"),
            peak_viewers=pl.col("max_views_cnt"),
            likes=pl.lit(None, pl.Int64),
            comments=pl.lit(None, pl.Int64),
            shares=pl.lit(None, pl.Int64),
            orders=pl.lit(None, pl.Int64),
            items_sold=pl.col("total_sale_cnt"),
            gmv=pl.col("total_sale_gmv_amt"),
            currency=pl.col("region")
            .str.to_uppercase()
            .replace_strict(REGION_CURRENCY, default=None, return_dtype=pl.String),
        ).with_columns(session_date=pl.col("started_at").dt.date()),
        STAGED_SESSIONS,
    )


def stage(raw: Mapping[str, pl.LazyFrame]) -> Staged:
    """The marts' inputs from the raw ``tiktok_shop`` tables of a window."""
    return Staged(sessions=stg_sessions(raw["livestreams"]))
