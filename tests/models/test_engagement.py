"""engagement_daily on hand-built fct_sessions rows: no DuckDB, no Dagster."""

from __future__ import annotations

from datetime import date

import polars as pl

from models.marts.engagement import engagement_daily
from models.schema import ENGAGEMENT_DAILY, FCT_SESSIONS

DAY = date(2026, 1, 1)


def _session(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {name: None for name in FCT_SESSIONS}
    row.update(provider="p", account_id="a", session_id="s", status="ended", session_date=DAY)
    row.update(overrides)
    return row


def _daily(*rows: dict[str, object]) -> list[dict[str, object]]:
    frame = engagement_daily(pl.LazyFrame(list(rows), schema=FCT_SESSIONS)).collect()
    assert frame.columns == list(ENGAGEMENT_DAILY)
    assert frame.schema == pl.Schema(ENGAGEMENT_DAILY)
    return frame.to_dicts()


def test_sums_every_session_with_or_without_gmv() -> None:
    rows = _daily(
        _session(session_id="a", duration_s=1800, views=100, peak_viewers=40, likes=10,
                 comments=5, shares=None, gmv=12.5),
        _session(session_id="b", duration_s=1200, views=300, peak_viewers=70, likes=None,
                 comments=15, shares=4, gmv=None),
    )  # fmt: skip
    assert rows == [
        {
            "session_date": DAY,
            "provider": "p",
            "account_id": "a",
            "sessions": 2,
            "live_minutes": 50.0,
            "views": 400,
            "peak_viewers": 70,
            "likes": 10,
            "comments": 20,
            "shares": 4,
            "engagement_rate": 0.085,  # (10 + 20 + 4) / 400
            "comments_per_live_minute": 0.4,  # 20 / 50
        }
    ]


def test_unreported_figures_stay_null_and_rates_need_a_denominator() -> None:
    rows = _daily(
        # reports views and duration but no interactions at all (TikTok Shop's shape)
        _session(account_id="silent", duration_s=600, views=50),
        # interactions but nobody counted as watching, and no duration
        _session(account_id="unwatched", views=0, likes=3, comments=2),
        # comments over a zero-length stream
        _session(account_id="instant", duration_s=0, views=10, comments=4),
        # a scheduled session reports nothing, yet it is a session of the day
        _session(account_id="scheduled", status="scheduled"),
    )
    by_account = {row.pop("account_id"): row for row in rows}
    common = {"session_date": DAY, "provider": "p", "sessions": 1}
    assert by_account == {
        "instant": common | {"live_minutes": 0.0, "views": 10, "peak_viewers": None,
                             "likes": None, "comments": 4, "shares": None,
                             "engagement_rate": 0.4, "comments_per_live_minute": None},
        "scheduled": common | {"live_minutes": None, "views": None, "peak_viewers": None,
                               "likes": None, "comments": None, "shares": None,
                               "engagement_rate": None, "comments_per_live_minute": None},
        "silent": common | {"live_minutes": 10.0, "views": 50, "peak_viewers": None,
                            "likes": None, "comments": None, "shares": None,
                            "engagement_rate": None, "comments_per_live_minute": None},
        "unwatched": common | {"live_minutes": None, "views": 0, "peak_viewers": None,
                               "likes": 3, "comments": 2, "shares": None,
                               "engagement_rate": None, "comments_per_live_minute": None},
    }  # fmt: skip


def test_one_row_per_date_provider_and_account_sorted_by_the_grain() -> None:
    rows = _daily(
        _session(session_id="1", provider="q", views=5),
        _session(session_id="2", session_date=date(2025, 12, 31), views=7),
        _session(session_id="3", account_id="b", views=11),
        _session(session_id="4", views=13),
        _session(session_id="5", views=17),
    )
    assert [
        (row["session_date"], row["provider"], row["account_id"], row["sessions"], row["views"])
        for row in rows
    ] == [
        (date(2025, 12, 31), "p", "a", 1, 7),
        (DAY, "p", "a", 2, 30),
        (DAY, "p", "b", 1, 11),
        (DAY, "q", "a", 1, 5),
    ]
