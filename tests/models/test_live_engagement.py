"""marts.live_engagement from hand-made live tables: exact figures."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from models.marts.live_engagement import LIVE_ENGAGEMENT, live_engagement

ZONED = pl.Datetime("us", "UTC")


def at(minute: int, second: int) -> datetime:
    return datetime(2026, 11, 20, 12, minute, second, tzinfo=UTC)


def test_comments_per_minute_and_peak_viewers_per_session() -> None:
    comments = pl.LazyFrame(
        {
            "session_id": [1, 1, 1, 1, 2],
            "user_id": [9, 9, 9, 9, 8],
            "commented_at": [at(0, 5), at(0, 50), at(1, 10), at(3, 59), at(0, 1)],
        },
        schema_overrides={"commented_at": ZONED},
    )
    metrics = pl.LazyFrame(
        {
            "session_id": [1, 1, 1, 2],
            "user_id": [9, 9, 9, 8],
            "observed_at": [at(0, 0), at(2, 0), at(4, 0), at(0, 30)],
            "ccu": [40, 120, 0, 7],
            "peak_ccu": [40, 150, 150, None],
        },
        schema_overrides={"observed_at": ZONED},
    )
    sessions = pl.LazyFrame(
        {
            "session_id": [1, 1],
            "user_id": [9, 9],
            "started_at": [at(0, 0), at(0, 0)],
            "ended_at": [None, at(4, 0)],
        },
        schema_overrides={"started_at": ZONED, "ended_at": ZONED},
    )
    out = live_engagement(comments, metrics, sessions).collect()
    assert out.schema == pl.Schema(LIVE_ENGAGEMENT)
    naive = datetime(2026, 11, 20, 12, 0)
    assert out.select(
        "session_id",
        "minutes_live",
        "comments",
        "comments_per_minute",
        "peak_comments_in_a_minute",
        "peak_concurrent_viewers",
        "snapshots",
        "started_at",
    ).rows() == [
        ("1", 4.0, 4, 1.0, 2, 150, 3, naive),
        # no session record: from the first observation (the comment) to the last (a snapshot)
        ("2", 0.483, 1, 2.07, 1, 7, 1, naive.replace(second=1)),
    ]
