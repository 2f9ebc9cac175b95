"""What each mart means, written once: the Dagster UI's descriptions and column schemas and the
column tables of docs/marts.md are all made from this (``python -m models.catalog`` rewrites
the tables in the doc; a test fails when the doc and this module disagree)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from models import schema


@dataclass(frozen=True)
class Mart:
    """One mart: its table, what a row is, its grain, and a description per column."""

    name: str
    description: str
    grain: tuple[str, ...]
    columns: dict[str, str]
    types: dict[str, pl.DataType]
    date_column: str | None = "session_date"

    @property
    def table(self) -> str:
        return f"marts.{self.name}"


COUNTS = "; NULL where the provider does not report it"

FCT_SESSIONS = Mart(
    name="fct_sessions",
    description="One row per livestream session of any provider, with its audience and sales.",
    grain=("provider", "session_id"),
    types=schema.FCT_SESSIONS,
    columns={
        "provider": "`shopee`, `tiktok_shop`, `firework`, `trovo` or `lisa`",
        "account_id": "the seller, channel or configured account the session belongs to",
        "session_id": "the provider's session id",
        "title": "the session's title as the provider gives it",
        "status": "`scheduled`, `live`, `ended` or `cancelled`",
        "scheduled_at": "when the session was scheduled to start (UTC)",
        "started_at": "when it started (UTC); NULL if it never did",
        "ended_at": "when it ended (UTC); NULL while live or when unknown",
        "session_date": "UTC date of the start, or of the scheduled time when it never started",
        "duration_s": "seconds live",
        "views": "views" + COUNTS,
        "peak_viewers": "most concurrent viewers" + COUNTS,
        "likes": "likes (reactions)" + COUNTS,
        "comments": "comments (chat messages)" + COUNTS,
        "shares": "shares" + COUNTS,
        "orders": "orders placed during the session" + COUNTS,
        "items_sold": "units sold" + COUNTS,
        "gmv": "gross merchandise value in `currency`" + COUNTS,
        "currency": "ISO 4217 code of `gmv` (the account's currency)",
        "gmv_usd": "gmv * `dim_fx_rates.usd_per_unit`, rounded to the cent",
        "engagement_rate": (
            "(likes + comments + shares) / views where views > 0 (NULLs count as 0 in the sum; "
            "NULL when none of the three is reported)"
        ),
    },
)

GMV_DAILY = Mart(
    name="gmv_daily",
    description="Sales per day, provider, account and currency, over the sessions with a GMV.",
    grain=("session_date", "provider", "account_id", "currency"),
    types=schema.GMV_DAILY,
    columns={
        "session_date": "the sessions' UTC date",
        "provider": "the provider",
        "account_id": "the account",
        "currency": "ISO 4217 code of `gmv`",
        "sessions": "sessions with a GMV",
        "live_hours": "hours live, summed over those sessions",
        "orders": "orders; NULL when no session reported them",
        "items_sold": "units sold; NULL when no session reported them",
        "gmv": "gross merchandise value in `currency`",
        "gmv_usd": "the sessions' gmv_usd summed (each rounded to the cent)",
        "gpm_usd": "gmv_usd per 1,000 views, over the sessions that reported views",
        "gmv_usd_per_live_hour": "gmv_usd / live_hours",
    },
)

ENGAGEMENT_DAILY = Mart(
    name="engagement_daily",
    description="Audience and interactions per day, provider and account, over every session.",
    grain=("session_date", "provider", "account_id"),
    types=schema.ENGAGEMENT_DAILY,
    columns={
        "session_date": "the sessions' UTC date",
        "provider": "the provider",
        "account_id": "the account",
        "sessions": "sessions that day",
        "live_minutes": "minutes live, summed",
        "views": "views, summed; NULL when no session reported them",
        "peak_viewers": "the highest peak of the day's sessions",
        "likes": "likes, summed",
        "comments": "comments, summed",
        "shares": "shares, summed",
        "engagement_rate": "Σ (likes + comments + shares) / Σ views",
        "comments_per_live_minute": "comments / live_minutes",
    },
)

FOLLOWERS_DAILY = Mart(
    name="followers_daily",
    description="Followers gained per day and the total known that day, per provider and account.",
    grain=("date", "provider", "account_id"),
    types=schema.FOLLOWERS_DAILY,
    date_column="date",
    columns={
        "date": "the UTC date",
        "provider": "the provider",
        "account_id": "the account (channel)",
        "new_followers": "followers whose followed_at falls on the date",
        "followers_total": (
            "the latest total observed on or before that date; NULL before the first observation"
        ),
    },
)

PRODUCT_PERFORMANCE = Mart(
    name="product_performance",
    description="How each product did in each session that showed it.",
    grain=("provider", "session_id", "product_id"),
    types=schema.PRODUCT_PERFORMANCE,
    date_column=None,
    columns={
        "provider": "the provider",
        "session_id": "the session (as in fct_sessions)",
        "product_id": "the provider's product id",
        "product_name": "the product's name",
        "price": "unit price in `currency`",
        "currency": "ISO 4217 code of `price`",
        "clicks": "clicks on the product during the session",
        "add_to_cart": "add-to-cart events",
        "items_sold": "units sold",
        "est_gmv": "items_sold * price, rounded to the cent",
    },
)

DIM_FX_RATES = Mart(
    name="dim_fx_rates",
    description=(
        "USD per unit of each currency: shipped in models/data/fx_rates.csv, overridable with "
        "LSW_FX_RATES=/path/rates.csv."
    ),
    grain=("currency",),
    types=schema.DIM_FX_RATES,
    date_column=None,
    columns={"currency": "ISO 4217 code", "usd_per_unit": "US dollars per unit of the currency"},
)

MARTS = {
    mart.name: mart
    for mart in (
        FCT_SESSIONS,
        GMV_DAILY,
        ENGAGEMENT_DAILY,
        FOLLOWERS_DAILY,
        PRODUCT_PERFORMANCE,
        DIM_FX_RATES,
    )
}

SQL_TYPES = {
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Float64: "DOUBLE",
    pl.Date: "DATE",
    pl.Datetime: "TIMESTAMP",
}


def sql_type(dtype: pl.DataType) -> str:
    """The DuckDB type the column has in the warehouse."""
    return SQL_TYPES[dtype.base_type()]


def column_table(mart: Mart) -> str:
    """The Markdown table of a mart's columns, as docs/marts.md shows it."""
    rows = ["| column | type | meaning |", "| --- | --- | --- |"]
    for name, dtype in mart.types.items():
        rows.append(f"| {name} | {sql_type(dtype)} | {mart.columns[name]} |")
    return "\n".join(rows)


DOC = Path(__file__).resolve().parent.parent / "docs" / "marts.md"
BLOCK = re.compile(r"(<!-- columns: (\w+) -->\n)(?:[^<]*\n)?(<!-- /columns -->)")


def render_doc(text: str) -> str:
    """``text`` with every marked column table replaced by the one made from this module."""
    return BLOCK.sub(
        lambda m: m.group(1) + column_table(MARTS[m.group(2)]) + "\n" + m.group(3), text
    )


if __name__ == "__main__":
    DOC.write_text(render_doc(DOC.read_text()))
    sys.stdout.write(f"rewrote the column tables of {DOC}\n")
