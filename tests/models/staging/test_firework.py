"""Firework staging on hand-built raw frames: statuses, times, currencies, first-unit prices."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from models.schema import STAGED_PRODUCTS, STAGED_SESSIONS
from models.staging.firework import stage

UTC_TS = pl.Datetime("us", "UTC")


def _livestreams(*rows: tuple[str, str, datetime | None, datetime, int]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [
            {
                "livestream_id": lid,
                "account_id": "acme",
                "status": status,
                "scheduled_at": scheduled,
                "session_start": start,
                "event_name": f"Show {lid}",
                "event_description": None,
                "product_count": count,
            }
            for lid, status, scheduled, start, count in rows
        ],
        schema={
            "livestream_id": pl.String,
            "account_id": pl.String,
            "status": pl.String,
            "scheduled_at": UTC_TS,
            "session_start": UTC_TS,
            "event_name": pl.String,
            "event_description": pl.String,
            "product_count": pl.Int64,
        },
    )


def _products(*rows: tuple[str, str, int, str | None]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [
            {
                "livestream_id": lid,
                "product_id": pid,
                "position": position,
                "product_name": f"Product {pid}",
                "product_currency": currency,
            }
            for lid, pid, position, currency in rows
        ],
        schema={
            "livestream_id": pl.String,
            "product_id": pl.String,
            "position": pl.Int64,
            "product_name": pl.String,
            "product_currency": pl.String,
        },
    )


def _units(*rows: tuple[str, str, int, float | None]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [
            {"livestream_id": lid, "product_id": pid, "position": pos, "unit_price": price}
            for lid, pid, pos, price in rows
        ],
        schema={
            "livestream_id": pl.String,
            "product_id": pl.String,
            "position": pl.Int64,
            "unit_price": pl.Float64,
        },
    )


AT = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)


def test_every_status_maps_to_the_contracts_four() -> None:
    statuses = ["idle", "active", "paused", "replay", "completed", "expired", "archived"]
    raw = _livestreams(*((f"L{i}", s, AT, AT, 0) for i, s in enumerate(statuses)))
    sessions = stage({"livestreams": raw}).sessions
    assert sessions is not None
    got = sessions.collect()
    assert dict(got.select("session_id", "status").iter_rows()) == {
        "L0": "scheduled",
        "L1": "live",
        "L2": "live",
        "L3": "ended",
        "L4": "ended",
        "L5": "cancelled",
        "L6": None,  # a status the reference does not list
    }
    assert got.schema == pl.Schema(STAGED_SESSIONS)


def test_sessions_carry_the_schedule_and_no_made_up_figures() -> None:
    first_seen = datetime(2026, 11, 21, 0, 5, tzinfo=UTC)
    raw = _livestreams(("A", "replay", AT, AT, 2), ("B", "active", None, first_seen, 1))
    products = _products(("A", "p1", 0, "EUR"), ("A", "p2", 1, "EUR"), ("B", "p3", 0, "USD"))
    sessions = stage({"livestreams": raw, "products": products}).sessions
    assert sessions is not None
    # staging keeps no order (a join's, on Polars' streaming engine): the rows, by id
    assert sessions.collect().sort("session_id").rows() == [
        # provider, account, id, title, status, scheduled_at, started, ended, session_date,
        # duration, views, peak, likes, comments, shares, orders, items_sold, gmv, currency
        ("firework", "acme", "A", "Show A", "ended", datetime(2026, 11, 20, 23, 30), None,
         None, date(2026, 11, 20), *[None] * 9, "EUR"),
        # "go live now": no schedule; its day is the day it was first seen
        ("firework", "acme", "B", "Show B", "live", None, None, None, date(2026, 11, 21),
         *[None] * 9, "USD"),
    ]  # fmt: skip


def test_a_session_currency_only_when_its_products_agree() -> None:
    raw = _livestreams(("A", "idle", AT, AT, 2), ("B", "idle", AT, AT, 0), ("C", "idle", AT, AT, 2))
    products = _products(
        ("A", "p1", 0, "EUR"), ("A", "p2", 1, "GBP"), ("C", "p3", 0, None), ("C", "p4", 1, "INR")
    )
    sessions = stage({"livestreams": raw, "products": products}).sessions
    assert sessions is not None
    assert dict(sessions.collect().select("session_id", "currency").iter_rows()) == {
        "A": None,
        "B": None,
        "C": "INR",
    }


def test_a_products_price_is_its_first_units() -> None:
    raw = _livestreams(("A", "replay", AT, AT, 3))
    products = _products(("A", "p1", 0, "EUR"), ("A", "p2", 1, "EUR"), ("A", "p3", 2, "EUR"))
    units = _units(
        ("A", "p1", 1, 19.99),  # listed second
        ("A", "p1", 0, 17.5),  # listed first: the price
        ("A", "p2", 0, None),  # a unit without a price: the price is unknown
    )  # p3 has no units at all
    staged = stage({"livestreams": raw, "products": products, "product_units": units}).products
    assert staged is not None
    got = staged.collect()
    assert got.schema == pl.Schema(STAGED_PRODUCTS)
    assert got.rows() == [
        ("firework", "acme", "A", date(2026, 11, 20), "p1", "Product p1", 17.5, "EUR", None,
         None, None),
        ("firework", "acme", "A", date(2026, 11, 20), "p2", "Product p2", None, "EUR", None,
         None, None),
        ("firework", "acme", "A", date(2026, 11, 20), "p3", "Product p3", None, "EUR", None,
         None, None),
    ]  # fmt: skip


def test_products_outside_the_window_or_no_longer_listed_are_left_out() -> None:
    # B is not in the window's livestreams; A's latest answer lists no products at all
    raw = _livestreams(("A", "replay", AT, AT, 0), ("C", "replay", AT, AT, 1))
    products = _products(("A", "old", 0, "EUR"), ("B", "p2", 0, "EUR"), ("C", "p3", 0, "GBP"))
    staged = stage({"livestreams": raw, "products": products}).products
    assert staged is not None
    assert staged.collect().select("session_id", "product_id", "price").rows() == [
        ("C", "p3", None)
    ]


def test_a_window_without_product_tables_still_stages() -> None:
    staged = stage({"livestreams": _livestreams(("A", "idle", AT, AT, 0))})
    assert staged.sessions is not None and staged.products is not None
    assert staged.sessions.collect().height == 1
    assert staged.products.collect().height == 0
