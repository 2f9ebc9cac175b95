"""Shopee staging on hand-built raw frames: the fct_sessions and product_performance shapes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from models.schema import STAGED_PRODUCTS, STAGED_SESSIONS
from models.staging.shopee import stage


def ts(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    return int(datetime(2026, 11, day, hour, minute, second, tzinfo=UTC).timestamp())


SESSIONS = pl.LazyFrame(
    {
        "user_id": [11, 11, 22],
        "session_id": [1001, 1002, 2001],
        # ended just before midnight; live since 00:10; never started, created on the 17th
        "session_start": [ts(18, 23, 59, 59), ts(19, 0, 10), ts(17, 9)],
        "title": ["Late sale", "Morning live", "Planned"],
        "status": [2, 1, 0],
        "create_time": [ts(18, 20), ts(18, 22), ts(17, 9)],
        "start_time": [ts(18, 23, 59, 59), ts(19, 0, 10), None],
        "end_time": [ts(19, 1, 29, 59), None, None],
        "region": ["TW", "TW", "TH"],
        "currency": ["TWD", "TWD", "THB"],
    }
)
METRICS = pl.LazyFrame(
    {
        "user_id": [11, 11],
        "session_id": [1001, 1002],
        "session_start": [ts(18, 23, 59, 59), ts(19, 0, 10)],
        "gmv": [1250.5, 0.0],
        "currency": ["TWD", "TWD"],
        "orders": [7, 0],
        "views": [900, 40],
        "peak_ccu": [120, 9],
        "ccu": [0, 5],
        "likes": [300, 2],
        "comments": [45, 1],
        "shares": [6, 0],
    }
)
ITEM_METRICS = pl.LazyFrame(
    {
        "user_id": [11, 11],
        "session_id": [1001, 1001],
        "session_start": [ts(18, 23, 59, 59)] * 2,
        "item_id": [555, 556],
        "name": ["Mug", "Lamp"],
        "current_price": [100.5, 250.0],
        "currency": ["TWD", "TWD"],
        "item_clicks": [50, 20],
        "atc": [10, 4],
        "sold_items": [5, 3],  # 5 x 100.5 + 3 x 250 = 1252.5 (the metric says 1250.5: rounding)
    }
)


def test_sessions_join_detail_metric_and_item_sums() -> None:
    staged = stage({"sessions": SESSIONS, "session_metrics": METRICS, "item_metrics": ITEM_METRICS})
    assert staged.sessions is not None
    got = staged.sessions.collect()
    assert got.schema == pl.Schema(STAGED_SESSIONS)
    rows = {r["session_id"]: r for r in got.to_dicts()}
    assert rows["1001"] == {
        "provider": "shopee",
        "account_id": "11",
        "session_id": "1001",
        "title": "Late sale",
        "status": "ended",
        "scheduled_at": None,
        "started_at": datetime(2026, 11, 18, 23, 59, 59),
        "ended_at": datetime(2026, 11, 19, 1, 29, 59),
        "session_date": date(2026, 11, 18),  # the day it started, though it ended on the 19th
        "duration_s": 5400,
        "views": 900,
        "peak_viewers": 120,
        "likes": 300,
        "comments": 45,
        "shares": 6,
        "orders": 7,
        "items_sold": 8,  # 5 + 3
        "gmv": 1250.5,
        "currency": "TWD",
    }
    # live: no end, no duration; its bag sold nothing yet, which is 0, not unknown
    live = rows["1002"]
    assert (live["status"], live["ended_at"], live["duration_s"], live["items_sold"]) == (
        "live",
        None,
        None,
        0,
    )
    assert live["session_date"] == date(2026, 11, 19)
    # never started: dated by its creation; no metrics read, so no figures at all
    planned = rows["2001"]
    assert planned["status"] == "scheduled" and planned["session_date"] == date(2026, 11, 17)
    assert planned["started_at"] is None and planned["currency"] == "THB"
    assert all(planned[k] is None for k in ("views", "gmv", "items_sold", "orders", "likes"))


def test_products_are_item_metrics() -> None:
    staged = stage({"sessions": SESSIONS, "session_metrics": METRICS, "item_metrics": ITEM_METRICS})
    assert staged.products is not None
    got = staged.products.collect()
    assert got.schema == pl.Schema(STAGED_PRODUCTS)
    assert got.rows() == [
        ("shopee", "11", "1001", date(2026, 11, 18), "555", "Mug", 100.5, "TWD", 50, 10, 5),
        ("shopee", "11", "1001", date(2026, 11, 18), "556", "Lamp", 250.0, "TWD", 20, 4, 3),
    ]


def test_tables_a_run_never_created_read_as_empty() -> None:
    staged = stage({"sessions": SESSIONS})
    assert staged.sessions is not None and staged.products is not None
    got = staged.sessions.collect()
    assert got.height == 3 and got["gmv"].null_count() == 3 and got["items_sold"].null_count() == 3
    assert staged.products.collect().height == 0
