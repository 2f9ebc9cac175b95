"""Every mart of one window, built the way the marts asset builds them
(dagster_project/defs/marts/assets.py), without a Dagster run around it."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from dagster_project.defs.marts.inputs import staged_window
from models.fx import load_rates
from models.marts.engagement import engagement_daily
from models.marts.followers import followers_daily
from models.marts.gmv import gmv_daily
from models.marts.products import product_performance
from models.marts.sessions import fct_sessions
from warehouse.db import replace_rows


def build_marts(con: duckdb.DuckDBPyConnection, lo: datetime, hi: datetime) -> int:
    """The marts of [lo, hi) replace their rows; the window's session count."""
    first, end = lo.date(), hi.date()
    days: list[object] = [first, end]
    in_window = pl.col("session_date").is_between(first, end, closed="left")
    by_day = "session_date >= ? and session_date < ?"
    staged = staged_window(con, lo, hi)
    fx = load_rates().lazy()
    sessions = (
        fct_sessions([s.sessions for s in staged if s.sessions is not None], fx)
        .filter(in_window)
        .collect()
    )
    replace_rows(con, "marts.fct_sessions", sessions, by_day, days)
    gmv = gmv_daily(sessions.lazy()).collect()
    replace_rows(con, "marts.gmv_daily", gmv, by_day, days)
    engagement = engagement_daily(sessions.lazy()).collect()
    replace_rows(con, "marts.engagement_daily", engagement, by_day, days)
    products = product_performance(
        [s.products.filter(in_window) for s in staged if s.products is not None]
    ).collect()
    replace_rows(
        con,
        "marts.product_performance",
        products,
        """(provider, session_id) in (
               select provider, session_id from marts.fct_sessions
               where session_date >= ? and session_date < ?
               union select provider, session_id from _incoming)""",
        days,
    )
    followers = followers_daily(
        [s.followers for s in staged if s.followers is not None],
        [s.follower_totals for s in staged if s.follower_totals is not None],
        first,
        end,
    ).collect()
    replace_rows(con, "marts.followers_daily", followers, '"date" >= ? and "date" < ?', days)
    return sessions.height
