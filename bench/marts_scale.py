"""Every mart over 10 million rows: our Polars transforms vs the same marts in DuckDB SQL.

A synthetic warehouse is generated inside DuckDB (not through the provider APIs): a year of
Shopee (800k sessions with their metrics, 10M item-metric rows) and Trovo (10M channel
snapshots making 200k sessions); 1M sessions in all. Then, each in a subprocess of its own
so that its peak memory (ru_maxrss) is its own:

- **polars**: the marts' path for one window (dagster_project/defs/marts/inputs.py and the
  models), rows written into ``marts`` as the asset writes them;
- **sql**: the same staging and marts as DuckDB SQL, written into ``sqlmarts``.

Both read the same raw tables and write every mart; the run checks they agree on row counts
and totals. Target: Polars within 1.0x of DuckDB SQL, peak under 4 GB.

Run: ``nice -n 10 uv run python -m bench.marts_scale [--scale 1.0] [--keep DIR [--reuse]]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from bench.child import run_child

T0 = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 365
LO, HI = T0, T0 + timedelta(days=DAYS + 1)
CHANNELS = 400
SNAPSHOTS_PER_SESSION = 50
MARTS = ["fct_sessions", "gmv_daily", "engagement_daily", "product_performance", "followers_daily"]


def generate(path: Path, scale: float) -> dict[str, int]:
    """The raw tables, shaped as the loads leave them (the columns staging reads, and more)."""
    shopee_sessions = int(800_000 * scale)
    metrics = int(10_000_000 * scale)
    snapshots = int(10_000_000 * scale)
    t0, span = int(T0.timestamp()), DAYS * 86_400
    with duckdb.connect(str(path)) as con:
        con.execute("set preserve_insertion_order = false")
        con.execute("create schema shopee; create schema trovo")
        con.execute(f"""
            create table shopee.sessions as
            select (range % 500 + 1)::bigint as user_id, (10000000 + range)::bigint as session_id,
                   ({t0} + range * {span} // {shopee_sessions})::bigint as session_start,
                   'Live sale #' || range as title, 2::bigint as status,
                   ({t0} + range * {span} // {shopee_sessions} + 60)::bigint as start_time,
                   ({t0} + range * {span} // {shopee_sessions} + 3660 + hash(range) % 7200)::bigint
                       as end_time,
                   ['SGD','MYR','THB','IDR','PHP','VND','TWD','BRL'][range % 500 % 8 + 1]
                       as currency,
                   'cover.jpg' as cover_image_url, 'desc' as description
            from range({shopee_sessions})""")
        con.execute("""
            create table shopee.session_metrics as
            select session_id, session_start, (hash(session_id) % 20000)::bigint as views,
                   (hash(session_id) % 900)::bigint as peak_ccu,
                   (hash(session_id + 1) % 3000)::bigint as likes,
                   (hash(session_id + 2) % 800)::bigint as comments,
                   (hash(session_id + 3) % 90)::bigint as shares,
                   (hash(session_id + 4) % 120)::bigint as orders,
                   (hash(session_id + 5) % 1000000) / 100.0 as gmv,
                   (hash(session_id + 6) % 500)::bigint as ccu, 0.5 as avg_viewing_duration
            from shopee.sessions""")
        con.execute(f"""
            create table shopee.item_metrics as
            with m as (select range as r, range * {shopee_sessions} // {metrics} as s
                       from range({metrics}))
            select (s % 500 + 1)::bigint as user_id, (10000000 + s)::bigint as session_id,
                   ({t0} + s * {span} // {shopee_sessions})::bigint as session_start,
                   r::bigint as item_id, 'Item ' || (r % 1000) as name,
                   (hash(r) % 10000) / 100.0 as current_price,
                   ['SGD','MYR','THB','IDR','PHP','VND','TWD','BRL'][s % 500 % 8 + 1] as currency,
                   (hash(r + 1) % 400)::bigint as item_clicks, (hash(r + 2) % 60)::bigint as atc,
                   (hash(r + 3) % 20)::bigint as sold_items, 'img.jpg' as image_url
            from m""")
        per = SNAPSHOTS_PER_SESSION
        gap = span * CHANNELS * per // snapshots  # seconds between a channel's stream starts
        con.execute(f"""
            create table trovo.channel_snapshots as
            with s as (
                select range as r, range // {per} as ses, range % {per} as k,
                       (range // {per}) % {CHANNELS} as ch, (range // {per}) // {CHANNELS} as nth
                from range({snapshots})),
            t as (select *, {t0} + nth * {gap} + ch * 60 as st from s)
            select (100000000 + ch)::varchar as channel_id,
                   to_timestamp(st + 300 * k + 150) as observed_at, k < {per - 1} as is_live,
                   'Stream ' || ses as live_title, '1' as category_id, 'Games' as category_name,
                   (hash(r) % 5000)::bigint as current_viewers,
                   (1000 + nth * 10 + k)::bigint as followers, 10::bigint as subscriber_num,
                   to_timestamp(st) as started_at,
                   case when k < {per - 1} then to_timestamp(st - {gap} + {300 * (per - 1)})
                        else to_timestamp(st + {300 * (per - 1)}) end as ended_at,
                   'user' || ch as username, 'en' as language_code, 'CHANNEL' as audi_type
            from t""")
        return {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
            for t in (
                "shopee.sessions",
                "shopee.session_metrics",
                "shopee.item_metrics",
                "trovo.channel_snapshots",
            )
        }


def build_polars(path: Path, chunk_days: int | None = None) -> None:
    """The window's marts as the asset builds them (dagster_project/defs/marts/assets.py):
    a quarter at a time by default, or windows of ``chunk_days`` (more than the range: whole)."""
    from dagster_project.defs.marts.assets import CHUNK_DAYS, rebuild_by_chunks
    from warehouse.store import DuckStore

    with duckdb.connect(str(path)) as con:
        rebuild_by_chunks(DuckStore(con), LO, HI, chunk_days or CHUNK_DAYS)
        con.commit()


SQL = """
create schema if not exists sqlmarts;
create or replace temp table fx as select * from fx_rates;
create or replace temp table stg_sessions as
with s as (
    select * from shopee.sessions where session_start >= $lo and session_start < $hi
    qualify row_number() over (partition by session_id order by rowid desc) = 1),
m as (
    select * from shopee.session_metrics where session_start >= $lo and session_start < $hi
    qualify row_number() over (partition by session_id order by rowid desc) = 1),
sold as (
    select session_id, sum(sold_items) as items_sold from shopee.item_metrics
    where session_start >= $lo and session_start < $hi group by session_id),
shopee as (
    select 'shopee' as provider, s.user_id::varchar as account_id,
           s.session_id::varchar as session_id, s.title,
           case s.status when 0 then 'scheduled' when 1 then 'live' when 2 then 'ended' end
               as status,
           null::timestamp as scheduled_at, make_timestamp(s.start_time * 1000000) as started_at,
           make_timestamp(s.end_time * 1000000) as ended_at,
           make_timestamp(s.session_start * 1000000)::date as session_date,
           case when s.end_time >= s.start_time then s.end_time - s.start_time end as duration_s,
           m.views, m.peak_ccu as peak_viewers, m.likes, m.comments, m.shares, m.orders,
           case when m.session_id is not null then coalesce(sold.items_sold, 0)
                else sold.items_sold end::bigint as items_sold,
           m.gmv, s.currency
    from s left join m using (session_id) left join sold using (session_id)),
snaps as (
    select channel_id, observed_at::timestamp as observed_at, started_at::timestamp as started_at,
           ended_at::timestamp as ended_at, live_title, current_viewers,
           case when ended_at is not null then ended_at < started_at
                else coalesce(is_live, false) end as live
    from trovo.channel_snapshots
    where started_at is not null and started_at >= $tlo and started_at <= coalesce((
        select min(n.started_at) from trovo.channel_snapshots n
        where n.channel_id = channel_snapshots.channel_id and n.started_at >= $thi), $thi)),
grouped as (
    select channel_id, started_at,
           coalesce(arg_max(live_title, observed_at) filter (live and live_title is not null),
                    arg_max(live_title, observed_at) filter (live_title is not null)) as title,
           max(current_viewers) filter (live) as peak_viewers,
           max(ended_at) filter (ended_at >= started_at) as ended_at,
           max(ended_at) filter (ended_at < started_at) as before_ended,
           arg_max(live, observed_at) as last_live
    from snaps group by all),
chained as (
    select *, lead(started_at) over w as later, lead(before_ended) over w as later_says
    from grouped window w as (partition by channel_id order by started_at)),
trovo as (
    select 'trovo' as provider, channel_id as account_id,
           channel_id || ':' || epoch(started_at)::bigint as session_id, title,
           case when last_live and later is null then 'live' else 'ended' end as status,
           null::timestamp as scheduled_at, started_at,
           coalesce(ended_at, case when later_says >= started_at then later_says end) as ended_at,
           started_at::date as session_date,
           epoch(coalesce(ended_at, case when later_says >= started_at then later_says end)
                 - started_at)::bigint as duration_s,
           null::bigint as views, peak_viewers, null::bigint as likes, null::bigint as comments,
           null::bigint as shares, null::bigint as orders, null::bigint as items_sold,
           null::double as gmv, null::varchar as currency
    from chained)
select * from shopee union all by name select * from trovo;

create or replace table sqlmarts.fct_sessions as
select s.* exclude (gmv, currency), s.gmv, s.currency,
       round(s.gmv::decimal(18, 4) * fx.usd_per_unit::decimal(18, 10), 2)::double as gmv_usd,
       case when (likes is not null or comments is not null or shares is not null)
                 and views > 0
            then (coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0)) / views
       end as engagement_rate
from stg_sessions s left join fx using (currency)
where session_date >= $first and session_date < $end
qualify row_number() over (partition by provider, account_id, session_id) = 1
order by session_date, provider, account_id, started_at, session_id;

create or replace table sqlmarts.gmv_daily as
select session_date, provider, account_id, currency, count(*) as sessions,
       sum(coalesce(duration_s, 0)) / 3600 as live_hours, sum(orders) as orders,
       sum(items_sold) as items_sold, round(sum(gmv), 2) as gmv,
       round(sum(gmv_usd), 2) as gmv_usd,
       case when sum(views) filter (views > 0) > 0 then
           sum(gmv_usd) filter (views > 0) * 1000 / sum(views) filter (views > 0) end
           as gpm_usd,
       case when sum(coalesce(duration_s, 0)) > 0 then
           round(sum(gmv_usd), 2) / (sum(coalesce(duration_s, 0)) / 3600) end
           as gmv_usd_per_live_hour
from sqlmarts.fct_sessions where gmv is not null group by all order by all;

create or replace table sqlmarts.engagement_daily as
select *, case when (likes is not null or comments is not null or shares is not null)
                    and views > 0
               then (coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0)) / views
          end as engagement_rate,
       case when live_minutes > 0 then comments / live_minutes end as comments_per_live_minute
from (
    select session_date, provider, account_id, count(*) as sessions,
           sum(duration_s) / 60 as live_minutes, sum(views) as views,
           max(peak_viewers) as peak_viewers, sum(likes) as likes, sum(comments) as comments,
           sum(shares) as shares
    from sqlmarts.fct_sessions group by all) order by all;

create or replace table sqlmarts.product_performance as
select 'shopee' as provider, user_id::varchar as account_id, session_id::varchar as session_id,
       make_timestamp(session_start * 1000000)::date as session_date,
       item_id::varchar as product_id, name as product_name, current_price as price, currency,
       item_clicks as clicks, atc as add_to_cart, sold_items as items_sold,
       round(sold_items * current_price, 2) as est_gmv
from shopee.item_metrics
where session_start >= $lo and session_start < $hi
qualify row_number() over (partition by session_id, item_id order by rowid desc) = 1
order by provider, session_id, product_id;

create or replace table sqlmarts.followers_daily as
with totals as (
    select 'trovo' as provider, channel_id as account_id, observed_at::timestamp as observed_at,
           followers as followers_total
    from trovo.channel_snapshots
    where followers is not null and (observed_at >= $tlo and observed_at < $thi
          or observed_at = (select max(p.observed_at) from trovo.channel_snapshots p
                            where p.channel_id = channel_snapshots.channel_id
                              and p.observed_at < $tlo and p.followers is not null))),
known as (select provider, account_id, min(observed_at)::date as known_since
          from totals group by all),
grid as (
    select provider, account_id, d::date as date, (d::date + 1)::timestamp as day_end
    from known, range($first::timestamp, $end::timestamp, interval 1 day) r(d)
    where d::date >= known_since)
select g.date, g.provider, g.account_id, 0::bigint as new_followers, t.followers_total
from grid g asof left join totals t
  on g.provider = t.provider and g.account_id = t.account_id and g.day_end > t.observed_at
order by g.date, g.provider, g.account_id;
"""


def build_sql(path: Path) -> None:
    """The same marts as DuckDB SQL, from the same raw tables."""
    from models.fx import load_rates

    params: dict[str, object] = {
        "lo": int(LO.timestamp()),
        "hi": int(HI.timestamp()),
        "first": LO.date(),
        "end": HI.date(),
        "tlo": LO,
        "thi": HI,
    }
    with duckdb.connect(str(path)) as con:
        con.register("fx_rates", load_rates().to_arrow())
        for statement in SQL.split(";"):
            if statement.strip():
                used = {k: v for k, v in params.items() if f"${k}" in statement}
                con.execute(statement, used)


def totals(path: Path, schema: str) -> dict[str, list[object]]:
    """Row count and a few sums of every mart: both engines must agree on these."""
    sums = {
        "fct_sessions": "count(*), sum(views), round(sum(gmv_usd), 2), sum(duration_s), "
        "sum(peak_viewers), count(ended_at)",
        "gmv_daily": "count(*), round(sum(gmv_usd), 2), sum(items_sold)",
        "engagement_daily": "count(*), sum(sessions), sum(likes), round(sum(live_minutes), 3)",
        "product_performance": "count(*), round(sum(est_gmv), 2)",
        "followers_daily": "count(*), sum(followers_total)",
    }
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            t: list(con.execute(f"select {s} from {schema}.{t}").fetchone() or [])
            for t, s in sums.items()
        }


def child(engine: str, path: Path) -> None:
    import dagster_project.defs.marts.assets  # noqa: F401  (imports are not what is timed)

    started = time.perf_counter()
    if engine == "sql":
        build_sql(path)
    else:
        build_polars(path, DAYS + 1 if engine == "polars-whole" else None)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def measure(engine: str, path: Path) -> dict[str, float]:
    return run_child("bench.marts_scale", "--child", engine, "--keep", str(path.parent))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.marts_scale")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", help="directory for the warehouse (default: a temp dir)")
    parser.add_argument(
        "--reuse", action="store_true", help="use the warehouse --keep holds (not regenerated)"
    )
    parser.add_argument(
        "--child", choices=["polars", "polars-whole", "sql"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.keep) / "warehouse.duckdb")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep or tmp) / "warehouse.duckdb"
        if not (args.reuse and path.exists()):
            path.unlink(missing_ok=True)
            started = time.perf_counter()
            counts = generate(path, args.scale)
            print(f"generated in {time.perf_counter() - started:.1f} s: {counts}")
        runs = {engine: measure(engine, path) for engine in ("polars", "polars-whole", "sql")}
        print(f"load average {os.getloadavg()[0]:.1f}")
        for engine, run in runs.items():
            print(f"{engine:>6}: {run['seconds']:6.1f} s, peak {run['peak_mb']:,.0f} MB")
        for engine in ("polars", "polars-whole"):
            ratio = runs[engine]["seconds"] / runs["sql"]["seconds"]
            print(f"ratio {engine}/sql: {ratio:.2f}x (target <= 1.0x; peak target < 4,096 MB)")
        ours, theirs = totals(path, "marts"), totals(path, "sqlmarts")
        for table in MARTS:
            same = "same" if ours[table] == theirs[table] else "DIFFERENT"
            print(f"  {table}: {same} {ours[table]} {'' if same == 'same' else theirs[table]}")


if __name__ == "__main__":
    main()
