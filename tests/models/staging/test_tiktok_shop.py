"""TikTok Shop staging on hand-built raw rows: no DuckDB, no Dagster."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from models.schema import STAGED_SESSIONS
from models.staging.tiktok_shop import stage

RAW = {
    "room_id": ["r1", "r2"],
    "seller_id": ["s", "s"],
    "region": ["gb", "XX"],
    "title": ["Show", None],
    "create_time": [1_763_469_760, 1_763_500_000],  # 2025-11-18 12:42:40 and 21:06:40 UTC
    "finish_time": [1_763_474_680, None],
    "duration": [None, 600],
    "total_views_cnt": [17401, 0],
    "max_views_cnt": [1932, 0],
    "total_sale_cnt": [66, 0],
    "total_sale_gmv_amt": [1859.42, None],
}


def test_rows_become_ended_sessions_in_the_region_currency() -> None:
    staged = stage({"livestreams": pl.LazyFrame(RAW)})
    assert staged.products is None and staged.followers is None
    assert staged.sessions is not None
    rows = staged.sessions.collect()
    assert rows.schema == pl.Schema(STAGED_SESSIONS)
    first, second = rows.to_dicts()
    assert first == {
        "provider": "tiktok_shop",
        "account_id": "s",
        "session_id": "r1",
        "title": "Show",
        "status": "ended",
        "scheduled_at": None,
        "started_at": datetime(2025, 11, 18, 12, 42, 40),
        "ended_at": datetime(2025, 11, 18, 14, 4, 40),
        "session_date": date(2025, 11, 18),
        "duration_s": 4920,  # finish - create when duration is not reported
        "views": 17401,
        "peak_viewers": 1932,
        "likes": None,
        "comments": None,
        "shares": None,
        "orders": None,  # total_sale_cnt counts units, not orders
        "items_sold": 66,
        "gmv": 1859.42,
        "currency": "GBP",
    }
    assert second["duration_s"] == 600 and second["currency"] is None and second["gmv"] is None
