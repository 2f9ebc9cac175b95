"""``marts.product_performance``: one row per product shown in a session."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from models.frames import latest_sorted
from models.money import cents
from models.schema import PRODUCT_PERFORMANCE, STAGED_PRODUCTS, conform

GRAIN = ["provider", "session_id", "product_id"]


def product_performance(products: Sequence[pl.LazyFrame]) -> pl.LazyFrame:
    """Stack every provider's staged products; the latest staging of a product wins.

    est_gmv is items_sold * price rounded to the cent, NULL when either is unknown.
    """
    frames = [conform(frame, STAGED_PRODUCTS) for frame in products]
    if not frames:
        return pl.LazyFrame(schema=PRODUCT_PERFORMANCE)
    latest = latest_sorted(pl.concat(frames, how="vertical"), GRAIN)
    return conform(
        latest.with_columns(est_gmv=cents(pl.col("price"), pl.col("items_sold"))),
        PRODUCT_PERFORMANCE,
    )
