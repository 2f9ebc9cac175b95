"""The one shape every provider's staging returns, so the marts never special-case a provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from models.schema import TS

# A time column as dlt stores it in DuckDB (with a zone); staging hands the marts naive UTC.
UTC_TS = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Staged:
    """What one provider's staging hands the marts; None where the provider has no such data."""

    sessions: pl.LazyFrame | None = None  # STAGED_SESSIONS columns
    products: pl.LazyFrame | None = None  # STAGED_PRODUCTS
    followers: pl.LazyFrame | None = None  # STAGED_FOLLOWERS
    follower_totals: pl.LazyFrame | None = None  # STAGED_FOLLOWER_TOTALS


def raw_table(
    raw: Mapping[str, pl.LazyFrame], name: str, schema: dict[str, pl.DataType]
) -> pl.LazyFrame:
    """The columns of raw table ``name`` a staging model reads, typed as ``schema`` says.

    A table a run never created (no products found, say) is an empty frame of that shape,
    so a model never special-cases it; ``UTC_TS`` columns become naive UTC (the marts' clock).
    """
    frame = raw.get(name)
    if frame is None:
        return pl.LazyFrame(schema={k: (TS if v == UTC_TS else v) for k, v in schema.items()})
    return frame.select(
        [
            naive_utc(frame, column) if dtype == UTC_TS else pl.col(column).cast(dtype)
            for column, dtype in schema.items()
        ]
    )


def naive_utc(frame: pl.LazyFrame, column: str) -> pl.Expr:
    """A timestamp column as the marts keep it: UTC clock time without a zone. DuckDB hands a
    zoned timestamp (dlt stores TIMESTAMPTZ) over in its session's zone, whatever that is."""
    dtype = frame.collect_schema()[column]
    expr = pl.col(column)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return expr.cast(TS)


def from_unix(column: str) -> pl.Expr:
    """Unix seconds as the marts' timestamps."""
    return pl.from_epoch(pl.col(column), time_unit="s").cast(TS)
