"""Currency conversion rates: shipped with the product, overridable by the user."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from models.schema import DIM_FX_RATES

SHIPPED = Path(__file__).parent / "data" / "fx_rates.csv"
OVERRIDE_ENV = "LSW_FX_RATES"


def read_rates(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, schema_overrides=DIM_FX_RATES, comment_prefix="#")
    missing = set(DIM_FX_RATES) - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: FX rates file lacks columns {sorted(missing)}")
    bad = frame.filter(pl.col("usd_per_unit").is_null() | (pl.col("usd_per_unit") <= 0))
    if bad.height:
        raise ValueError(f"{path}: usd_per_unit must be positive for {bad['currency'].to_list()}")
    return frame.select(list(DIM_FX_RATES)).with_columns(pl.col("currency").str.to_uppercase())


def merge_rates(shipped: pl.DataFrame, override: pl.DataFrame | None) -> pl.DataFrame:
    """The user's rates win for the currencies they list; shipped rates fill the rest."""
    if override is None:
        return shipped.sort("currency")
    kept = shipped.join(override.select("currency"), on="currency", how="anti")
    return pl.concat([kept, override]).unique("currency", keep="last").sort("currency")


def load_rates(override_path: str | None = None) -> pl.DataFrame:
    """Rates as ``marts.dim_fx_rates`` holds them (``LSW_FX_RATES`` names a CSV override)."""
    path = override_path or os.environ.get(OVERRIDE_ENV)
    return merge_rates(read_rates(SHIPPED), read_rates(Path(path)) if path else None)
