"""LiSA staging on hand-built raw frames: one session per live stream, products per session."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from models.schema import STAGED_PRODUCTS, STAGED_SESSIONS
from models.staging.lisa import stage

UTC_TS = pl.Datetime("us", "UTC")
PARIS = ZoneInfo("Europe/Paris")


def _streams() -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "stream_id": ["s1", "s2", "s3", "s4", "s5"],
            "show_id": ["A", "A", "B", "B", "C"],
            "type": ["live"] * 5,
            "started_at": [
                datetime(2026, 11, 17, 23, 58, 15, tzinfo=UTC),
                datetime(2026, 11, 18, 1, 0, 33, tzinfo=UTC),
                datetime(2026, 11, 18, 9, 0, tzinfo=UTC),
                datetime(2026, 11, 18, 12, 0, tzinfo=UTC),
                datetime(2026, 11, 18, 13, 0, tzinfo=UTC),
            ],
            "ended_at": [
                datetime(2026, 11, 18, 0, 48, 3, tzinfo=UTC),
                None,  # still live
                datetime(2026, 11, 18, 9, 30, 0, 400_000, tzinfo=UTC),
                datetime(2026, 11, 18, 12, 10, tzinfo=UTC),
                None,
            ],
            "duration_ms": [2_988_000, 600_499, None, 600_500, 1],
            "viewers": [289, 40, 0, 7, 1],
            "emojis": [296, 3, 0, None, 1],
            "messages": [41, 1, 0, 2, 1],
        },
        schema_overrides={"started_at": UTC_TS, "ended_at": UTC_TS},
    )


def _shows() -> pl.LazyFrame:
    # as DuckDB may hand them over: the same instants, in the session's own zone
    return pl.LazyFrame(
        {
            "id": ["A", "B"],
            "account_id": ["sandbox-brand", "fashion"],
            "title_default": ["Weekend deals", "Ask the expert"],
            "scheduled_at": [
                datetime(2026, 11, 18, 1, 10, tzinfo=PARIS),  # 00:10 UTC
                datetime(2026, 11, 18, 10, 0, tzinfo=PARIS),  # 09:00 UTC
            ],
            "status": ["ready", "archived"],
        },
        schema_overrides={"scheduled_at": pl.Datetime("us", "Europe/Paris")},
    )


def _products() -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "show_id": ["A", "A", "B"],
            "product_id": ["p1", "p2", "p3"],
            "position": [1, 2, 1],
            "name": ["Silk Scarf", "Wool Coat", "Face Serum"],
            "title_default": ["Everyday Silk Scarf", None, "Night Serum"],
            "price": [35.99, 60.99, 29.99],
            "sale_price": [27.69, None, None],
            "currency": ["EUR", "EUR", "USD"],
        }
    )


def test_one_session_per_stream_of_a_known_show() -> None:
    staged = stage({"streams": _streams(), "shows": _shows(), "show_products": _products()})
    assert staged.sessions is not None
    sessions = staged.sessions.collect()
    assert sessions.schema == pl.Schema(STAGED_SESSIONS)
    rows = sessions.sort("session_id").rows()
    ts = datetime  # naive UTC, the marts' clock
    # s3: no duration reported: its end less its start, 1800.4 s -> 1800; s2: 600.499 s -> 600;
    # s4: 600.5 s -> 600 (half to even); s5's show C is unknown: no session
    assert rows == [
        ("lisa", "sandbox-brand", "s1", "Weekend deals", "ended", ts(2026, 11, 18, 0, 10),
         ts(2026, 11, 17, 23, 58, 15), ts(2026, 11, 18, 0, 48, 3), date(2026, 11, 17),
         2988, 289, None, 296, 41, None, None, None, None, None),
        ("lisa", "sandbox-brand", "s2", "Weekend deals", "live", ts(2026, 11, 18, 0, 10),
         ts(2026, 11, 18, 1, 0, 33), None, date(2026, 11, 18),
         600, 40, None, 3, 1, None, None, None, None, None),
        ("lisa", "fashion", "s3", "Ask the expert", "ended", ts(2026, 11, 18, 9, 0),
         ts(2026, 11, 18, 9, 0), ts(2026, 11, 18, 9, 30, 0, 400_000), date(2026, 11, 18),
         1800, 0, None, 0, 0, None, None, None, None, None),
        ("lisa", "fashion", "s4", "Ask the expert", "ended", ts(2026, 11, 18, 9, 0),
         ts(2026, 11, 18, 12, 0), ts(2026, 11, 18, 12, 10), date(2026, 11, 18),
         600, 7, None, None, 2, None, None, None, None, None),
    ]  # fmt: skip


def test_each_stream_shows_its_shows_carousel() -> None:
    staged = stage({"streams": _streams(), "shows": _shows(), "show_products": _products()})
    assert staged.products is not None
    products = staged.products.collect()
    assert products.schema == pl.Schema(STAGED_PRODUCTS)
    assert products.sort("session_id", "product_id").rows() == [
        ("lisa", "sandbox-brand", "s1", date(2026, 11, 17), "p1", "Everyday Silk Scarf", 35.99, "EUR", None, None, None),
        ("lisa", "sandbox-brand", "s1", date(2026, 11, 17), "p2", "Wool Coat", 60.99, "EUR", None, None, None),
        ("lisa", "sandbox-brand", "s2", date(2026, 11, 18), "p1", "Everyday Silk Scarf", 35.99, "EUR", None, None, None),
        ("lisa", "sandbox-brand", "s2", date(2026, 11, 18), "p2", "Wool Coat", 60.99, "EUR", None, None, None),
        ("lisa", "fashion", "s3", date(2026, 11, 18), "p3", "Night Serum", 29.99, "USD", None, None, None),
        ("lisa", "fashion", "s4", date(2026, 11, 18), "p3", "Night Serum", 29.99, "USD", None, None, None),
    ]  # fmt: skip


def test_tables_a_first_run_has_not_created_are_empty() -> None:
    staged = stage({"streams": _streams()})
    assert staged.sessions is not None and staged.products is not None
    assert staged.sessions.collect().height == 0
    assert staged.products.collect().schema == pl.Schema(STAGED_PRODUCTS)
    only_shows = stage({"streams": _streams(), "shows": _shows()})
    assert only_shows.sessions is not None and only_shows.products is not None
    assert only_shows.sessions.collect().height == 4
    assert only_shows.products.collect().height == 0
