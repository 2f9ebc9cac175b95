"""Money rounded to the cent the way people round it by hand: half away from zero, on the
exact decimal product.

``(gmv * rate).round(2)`` on floats rounds the binary neighbour of the product:
20835 * 0.031 is 645.885 exactly, but the float is 645.88499..., which rounds to 645.88 where
anyone checking by hand (or DuckDB's ``round``) gets 645.89. Here the amount (to 4 decimals)
and the factor (to 10) become integers, their product is exact in 128 bits, and only then
is it rounded.
"""

from __future__ import annotations

import polars as pl

AMOUNT_SCALE = 10**4
FACTOR_SCALE = 10**10
CENT = AMOUNT_SCALE * FACTOR_SCALE // 100  # product units per cent
HALF = CENT // 2


def _scaled(expr: pl.Expr, scale: int) -> pl.Expr:
    return (expr.cast(pl.Float64) * scale).round(0).cast(pl.Int128)


def cents(amount: pl.Expr, factor: pl.Expr) -> pl.Expr:
    """``amount * factor`` rounded half away from zero to the cent, as a float; NULL if
    either is NULL."""
    product = _scaled(amount, AMOUNT_SCALE) * _scaled(factor, FACTOR_SCALE)
    zero = pl.lit(0, pl.Int128)
    whole = (
        pl.when(product >= 0)
        .then((product + HALF) // CENT)
        .otherwise(zero - ((zero - product + HALF) // CENT))
    )
    # Polars divides by a constant as a multiplication (782.9200000000001): round the noise
    return (whole.cast(pl.Float64) / 100).round(2)
