"""De-duplication the marts share: the latest staging of a key wins."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def latest_sorted(frame: pl.LazyFrame, keys: Sequence[str]) -> pl.LazyFrame:
    """``frame.unique(keys, keep="last").sort(keys, nulls_last=True)``, in one sort.

    A stable sort puts each key's rows together in their input order, so the last row of
    each run of equal keys is the latest staging of that key: one sort and one pass, where
    a hash de-duplication of string keys and then the sort cost three times as much (10M
    product rows).
    """
    ordered = frame.sort(list(keys), nulls_last=True, maintain_order=True)
    run_ends = pl.any_horizontal([~pl.col(key).eq_missing(pl.col(key).shift(-1)) for key in keys])
    last_row = pl.int_range(pl.len()) == pl.len() - 1
    return ordered.filter(run_ends | last_row)


def run_starts(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """The distinct ``keys`` of a frame sorted by them (or grouped so that equal keys are
    adjacent), in order: one comparison per row instead of a hash of every row."""
    starts = pl.any_horizontal([~pl.col(key).eq_missing(pl.col(key).shift(1)) for key in keys])
    first_row = pl.int_range(pl.len()) == 0
    return frame.select(keys).filter(starts | first_row)


def collect(*frames: pl.LazyFrame) -> list[pl.DataFrame]:
    """The frames' rows, computed together by Polars' in-memory engine.

    Polars 2 runs a plan on its streaming engine unless told otherwise. On a quarter of the
    marts at 10M product rows a year (bench/marts_scale.py) the in-memory engine took
    1.3-1.5 s where streaming took 1.7 s, and its results come in one piece, which DuckDB
    inserts faster (0.75 s for a quarter's products, against 1.1-1.5 s in 89 pieces); a
    window's rows fit in memory by design (the asset rebuilds a long window a quarter at a
    time). Together, the plans share the scans they have in common and the cores: 1.2-1.3 s
    against 1.4 s one after the other.
    """
    return pl.collect_all(frames, engine="in-memory")
