"""What the report shows, read from the marts: one small frame per chart.

The window is the ``days`` days ending on the latest session day in the marts (not today), so
a warehouse loaded last week still shows its data. A mart that does not exist yet reads as
empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from pipelines.registry import ALL_PROVIDERS
from warehouse.store import Store

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


# Portable SQL (every destination); sums are rounded in Polars, as PostgreSQL rounds no double
GMV_BY_DAY = """
select session_date, provider, sum(gmv_usd) as gmv_usd
from marts.gmv_daily where session_date between ? and ? and gmv_usd is not null
group by session_date, provider order by session_date, provider"""

RATES = """
select provider,
    sum(gmv_usd) filter (where views > 0) * 1000
        / nullif(sum(views) filter (where views > 0), 0) as gpm_usd,
    sum(gmv_usd) / nullif(sum(coalesce(duration_s, 0)) / 3600, 0) as gmv_usd_per_live_hour
from marts.fct_sessions
where session_date between ? and ? and gmv is not null
group by provider order by provider"""

# Σ interactions / Σ views per day and provider, NULL when none of the three was reported
ENGAGEMENT = """
select session_date, provider,
    case when sum(views) > 0
        and coalesce(sum(likes), sum(comments), sum(shares)) is not null
    then (coalesce(sum(likes), 0) + coalesce(sum(comments), 0) + coalesce(sum(shares), 0))
        / sum(views) end as engagement_rate
from marts.engagement_daily where session_date between ? and ?
group by session_date, provider order by session_date, provider"""

FOLLOWERS = """
select "date", provider, sum(followers_total) as followers_total,
    sum(new_followers) as new_followers
from marts.followers_daily where "date" between ? and ?
group by "date", provider order by "date", provider"""

TOP_SESSIONS = f"""
select provider, session_date, coalesce(title, session_id) as title, gmv_usd
from marts.fct_sessions
where session_date between ? and ? and gmv_usd is not null
order by gmv_usd desc, provider, session_id limit {TOP}"""

TOP_PRODUCTS = f"""
select p.provider, coalesce(p.product_name, p.product_id) as product_name,
    sum(p.items_sold) as items_sold,
    sum(p.est_gmv * f.usd_per_unit) as est_gmv_usd
from marts.product_performance p
join marts.fct_sessions s using (provider, session_id)
join marts.dim_fx_rates f on f.currency = p.currency
where s.session_date between ? and ? and p.est_gmv is not null
group by p.provider, p.product_id, p.product_name
order by est_gmv_usd desc, p.provider, product_name limit {TOP}"""


ROUNDED = ("gmv_usd", "est_gmv_usd")


def _frame(store: Store, needs: list[str], sql: str, window: list[date]) -> pl.DataFrame:
    if not all(store.table_exists("marts", table) for table in needs):
        return pl.DataFrame()
    found = store.read(sql, window)
    return found.with_columns(
        pl.col(c).cast(pl.Float64).round(2) for c in ROUNDED if c in found.columns
    )


def _last_loaded(store: Store, provider: str) -> object:
    """When dlt last finished a load into the provider's schema (UTC)."""
    if not store.table_exists(provider, "_dlt_loads"):
        return None
    sql = (  # dlt stamps loads with a time zone: shown in UTC whatever this machine's
        f"select timezone('UTC', max(inserted_at)) from {provider}.\"_dlt_loads\" where status = 0"
    )
    found = store.run(sql)
    return found[0][0] if found else None


def _freshness(store: Store, start: date | None, end: date | None) -> pl.DataFrame:
    latest: dict[str, tuple[date, int]] = {}
    if start is not None and end is not None:
        rows = store.run(
            """select provider, max(session_date),
                   count(*) filter (where session_date between ? and ?)
               from marts.fct_sessions group by provider""",
            [start, end],
        )
        latest = {provider: (day, n) for provider, day, n in rows}
    return pl.DataFrame(
        {
            "provider": list(ALL_PROVIDERS),
            "latest_session_day": [latest.get(p, (None, 0))[0] for p in ALL_PROVIDERS],
            "sessions_in_window": [latest.get(p, (None, 0))[1] for p in ALL_PROVIDERS],
            "last_loaded_at": [_last_loaded(store, p) for p in ALL_PROVIDERS],
        },
        schema={
            "provider": pl.String,
            "latest_session_day": pl.Date,
            "sessions_in_window": pl.Int64,
            "last_loaded_at": pl.Datetime("us"),
        },
    )


def read(store: Store, days: int) -> ReportData:
    """Every chart's frame for the ``days`` days ending on the latest session day."""
    end: date | None = None
    if store.table_exists("marts", "fct_sessions"):
        found = store.run("select max(session_date) from marts.fct_sessions")
        end = found[0][0] if found else None
    start = end - timedelta(days=days - 1) if end is not None else None
    window: list[date] = [start, end] if start and end else []
    empty = pl.DataFrame()
    return ReportData(
        start=start,
        end=end,
        gmv_by_day=_frame(store, ["gmv_daily"], GMV_BY_DAY, window) if window else empty,
        rates=_frame(store, ["fct_sessions"], RATES, window) if window else empty,
        engagement=_frame(store, ["engagement_daily"], ENGAGEMENT, window) if window else empty,
        followers=_frame(store, ["followers_daily"], FOLLOWERS, window) if window else empty,
        top_sessions=_frame(store, ["fct_sessions"], TOP_SESSIONS, window) if window else empty,
        top_products=(
            _frame(
                store,
                ["product_performance", "fct_sessions", "dim_fx_rates"],
                TOP_PRODUCTS,
                window,
            )
            if window
            else empty
        ),
        freshness=_freshness(store, start, end),
    )
