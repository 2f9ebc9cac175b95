"""The one shape every provider's staging returns, so the marts never special-case a provider."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Staged:
    """What one provider's staging hands the marts; None where the provider has no such data."""

    sessions: pl.LazyFrame | None = None  # STAGED_SESSIONS columns
    products: pl.LazyFrame | None = None  # STAGED_PRODUCTS
    followers: pl.LazyFrame | None = None  # STAGED_FOLLOWERS
    follower_totals: pl.LazyFrame | None = None  # STAGED_FOLLOWER_TOTALS
