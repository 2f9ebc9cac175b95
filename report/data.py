"""What the report shows, read from the marts: one small frame per chart.

The window is the ``days`` days ending on the latest session day in the marts (not today), so
a warehouse loaded last week still shows its data. A mart that does not exist yet reads as
empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

from pipelines.registry import ALL_PROVIDERS
from warehouse.db import table_exists

TOP = 10


@dataclass(frozen=True)
class ReportData:
    start: date | None
    end: date | None
    gmv_by_day: pl.DataFrame  # session_date, provider, gmv_usd
    rates: pl.DataFrame  # provider, gpm_usd, gmv_usd_per_live_hour
    engagement: pl.DataFrame  # session_date, provider, engagement_rate
    followers: pl.DataFrame  # date, provider, followers_total, new_followers
    top_sessions: pl.DataFrame  # provider, session_date, title, gmv_usd
    top_products: pl.DataFrame  # provider, product_name, items_sold, est_gmv_usd
    freshness: pl.DataFrame  # provider, latest_session_day, sessions_in_window, last_loaded_at


GMV_BY_DAY = """
select session_date, provider, round(sum(gmv_usd), 2) as gmv_usd
from marts.gmv_daily where session_date between ? and ? and gmv_usd is not null
group by all order by all"""

RATES = """
select provider,
    sum(gmv_usd) filter (views > 0) * 1000 / nullif(sum(views) filter (views > 0), 0) as gpm_usd,
    sum(gmv_usd) / nullif(sum(coalesce(duration_s, 0)) / 3600, 0) as gmv_usd_per_live_hour
from marts.fct_sessions
where session_date between ? and ? and gmv is not null
group by all order by provider"""

# Σ interactions / Σ views per day and provider, NULL when none of the three was reported
ENGAGEMENT = """
select session_date, provider,
    case when sum(views) > 0
        and coalesce(sum(likes), sum(comments), sum(shares)) is not null
    then (coalesce(sum(likes), 0) + coalesce(sum(comments), 0) + coalesce(sum(shares), 0))
        / sum(views) end as engagement_rate
from marts.engagement_daily where session_date between ? and ?
group by all order by all"""

FOLLOWERS = """
select "date", provider, sum(followers_total) as followers_total,
    sum(new_followers) as new_followers
from marts.followers_daily where "date" between ? and ?
group by all order by all"""

TOP_SESSIONS = f"""
select provider, session_date, coalesce(title, session_id) as title, gmv_usd
from marts.fct_sessions
where session_date between ? and ? and gmv_usd is not null
order by gmv_usd desc, provider, session_id limit {TOP}"""

TOP_PRODUCTS = f"""
select p.provider, coalesce(p.product_name, p.product_id) as product_name,
    sum(p.items_sold) as items_sold,
    round(sum(p.est_gmv * f.usd_per_unit), 2) as est_gmv_usd
from marts.product_performance p
join marts.fct_sessions s using (provider, session_id)
join marts.dim_fx_rates f on f.currency = p.currency
where s.session_date between ? and ? and p.est_gmv is not null
group by p.provider, p.product_id, p.product_name
order by est_gmv_usd desc, p.provider, product_name limit {TOP}"""


def _frame(
    con: duckdb.DuckDBPyConnection, needs: list[str], sql: str, window: list[date]
) -> pl.DataFrame:
    if not all(table_exists(con, "marts", table) for table in needs):
        return pl.DataFrame()
    return con.sql(sql, params=window).pl()


def _last_loaded(con: duckdb.DuckDBPyConnection, provider: str) -> object:
    """When dlt last finished a load into the provider's schema (UTC)."""
    if not table_exists(con, provider, "_dlt_loads"):
        return None
    sql = (  # dlt stamps loads with a time zone: shown in UTC whatever this machine's
        f"select timezone('UTC', max(inserted_at)) from {provider}.\"_dlt_loads\" where status = 0"
    )
    found = con.execute(sql).fetchone()
    return found[0] if found else None


def _freshness(
    con: duckdb.DuckDBPyConnection, start: date | None, end: date | None
) -> pl.DataFrame:
    latest: dict[str, tuple[date, int]] = {}
    if start is not None and end is not None:
        rows = con.execute(
            """select provider, max(session_date),
                   count(*) filter (session_date between ? and ?)
               from marts.fct_sessions group by provider""",
            [start, end],
        ).fetchall()
        latest = {provider: (day, n) for provider, day, n in rows}
    return pl.DataFrame(
        {
            "provider": list(ALL_PROVIDERS),
            "latest_session_day": [latest.get(p, (None, 0))[0] for p in ALL_PROVIDERS],
            "sessions_in_window": [latest.get(p, (None, 0))[1] for p in ALL_PROVIDERS],
            "last_loaded_at": [_last_loaded(con, p) for p in ALL_PROVIDERS],
        },
        schema={
            "provider": pl.String,
            "latest_session_day": pl.Date,
            "sessions_in_window": pl.Int64,
            "last_loaded_at": pl.Datetime("us"),
        },
    )


def read(con: duckdb.DuckDBPyConnection, days: int) -> ReportData:
    """Every chart's frame for the ``days`` days ending on the latest session day."""
    end: date | None = None
    if table_exists(con, "marts", "fct_sessions"):
        found = con.execute("select max(session_date) from marts.fct_sessions").fetchone()
        end = found[0] if found else None
    start = end - timedelta(days=days - 1) if end is not None else None
    window: list[date] = [start, end] if start and end else []
    empty = pl.DataFrame()
    return ReportData(
        start=start,
        end=end,
        gmv_by_day=_frame(con, ["gmv_daily"], GMV_BY_DAY, window) if window else empty,
        rates=_frame(con, ["fct_sessions"], RATES, window) if window else empty,
        engagement=_frame(con, ["engagement_daily"], ENGAGEMENT, window) if window else empty,
        followers=_frame(con, ["followers_daily"], FOLLOWERS, window) if window else empty,
        top_sessions=_frame(con, ["fct_sessions"], TOP_SESSIONS, window) if window else empty,
        top_products=(
            _frame(
                con,
                ["product_performance", "fct_sessions", "dim_fx_rates"],
                TOP_PRODUCTS,
                window,
            )
            if window
            else empty
        ),
        freshness=_freshness(con, start, end),
    )
