"""product_performance on hand-built staged products: no DuckDB, no Dagster."""

from __future__ import annotations

from datetime import date

import polars as pl

from models.marts.products import product_performance
from models.schema import PRODUCT_PERFORMANCE, STAGED_PRODUCTS


def _staged(*rows: dict[str, object]) -> pl.LazyFrame:
    full = []
    for overrides in rows:
        row: dict[str, object] = {name: None for name in STAGED_PRODUCTS}
        row.update(
            provider="p",
            account_id="a",
            session_id="s1",
            session_date=date(2026, 1, 1),
            product_id="x",
            product_name="Mug",
            price=10.0,
            currency="THB",
            clicks=5,
            add_to_cart=2,
            items_sold=1,
        )
        row.update(overrides)
        full.append(row)
    return pl.LazyFrame(full, schema=STAGED_PRODUCTS)


def test_est_gmv_is_items_times_price_to_the_cent_and_null_when_either_is_unknown() -> None:
    frame = product_performance(
        [
            _staged(
                {"product_id": "a", "items_sold": 3, "price": 33.333},  # 99.999
                {"product_id": "b", "items_sold": 3, "price": 0.1},  # 0.30000000000000004
                {"product_id": "c", "items_sold": None, "clicks": None, "add_to_cart": None},
                {"product_id": "d", "price": None, "currency": None},
                {"product_id": "e", "items_sold": 0, "price": 19.99},
            )
        ]
    ).collect()
    assert frame.columns == list(PRODUCT_PERFORMANCE)
    assert frame.schema == pl.Schema(PRODUCT_PERFORMANCE)
    assert frame.select("product_id", "est_gmv").rows() == [
        ("a", 100.0),
        ("b", 0.3),
        ("c", None),
        ("d", None),
        ("e", 0.0),
    ]
    assert frame.row(2, named=True) == {
        "provider": "p",
        "session_id": "s1",
        "product_id": "c",
        "product_name": "Mug",
        "price": 10.0,
        "currency": "THB",
        "clicks": None,
        "add_to_cart": None,
        "items_sold": None,
        "est_gmv": None,
    }


def test_the_latest_staging_of_a_product_wins_and_the_grain_is_sorted() -> None:
    frame = product_performance(
        [
            _staged(
                {"session_id": "s2", "product_id": "x", "items_sold": 1},
                {"session_id": "s1", "product_id": "x", "items_sold": 2},
                {"provider": "q", "session_id": "s1", "product_id": "x", "items_sold": 3},
            ),
            _staged(
                {"session_id": "s1", "product_id": "y", "items_sold": 4},
                {"session_id": "s1", "product_id": "x", "items_sold": 5, "clicks": 9},
            ),
        ]
    ).collect()
    assert frame.select("provider", "session_id", "product_id", "items_sold", "clicks").rows() == [
        ("p", "s1", "x", 5, 9),
        ("p", "s1", "y", 4, 5),
        ("p", "s2", "x", 1, 5),
        ("q", "s1", "x", 3, 5),
    ]


def test_no_staged_products_is_an_empty_mart_with_the_contract_columns() -> None:
    frame = product_performance([]).collect()
    assert frame.height == 0 and frame.schema == pl.Schema(PRODUCT_PERFORMANCE)
