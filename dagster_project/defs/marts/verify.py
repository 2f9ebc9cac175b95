"""What a marts run records besides the rows: each day's row count, and the checks' results."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from dagster import AssetCheckResult, AssetExecutionContext, AssetKey

from dagster_project.defs.marts.checks import (
    Window,
    freshness_result,
    stale_providers,
    window_results,
)
from models.catalog import MARTS
from pipelines.errors import ConfigError
from pipelines.registry import SPECS
from warehouse.calendar import today
from warehouse.store import Store

DAILY_MARTS = (
    "fct_sessions",
    "gmv_daily",
    "engagement_daily",
    "product_performance",
    "followers_daily",
)


def day_counts(store: Store, first: date, end: date) -> dict[str, dict[date, int]]:
    """Rows per day of [first, end) of each daily mart, zero for a day without any.

    Products have no date of their own: a product row counts on its session's day.
    """
    days = [date.fromordinal(n) for n in range(first.toordinal(), end.toordinal())]
    counts: dict[str, dict[date, int]] = {}
    for name in DAILY_MARTS:
        mart = MARTS[name]
        if mart.date_column is None:
            sql = (
                "select s.session_date, count(*) from marts.product_performance p "
                "join marts.fct_sessions s using (provider, session_id) "
                "where s.session_date >= ? and s.session_date < ? group by s.session_date"
            )
        else:
            column = f'"{mart.date_column}"'
            sql = (
                f"select {column}, count(*) from {mart.table} "
                f"where {column} >= ? and {column} < ? group by {column}"
            )
        found = dict(store.run(sql, [first, end]))
        counts[name] = {day: int(found.get(day, 0)) for day in days}
    return counts


def run_checks(
    context: AssetExecutionContext, store: Store, first: date, end: date
) -> Iterator[AssetCheckResult]:
    """The window's rules, then the freshness of every configured provider."""
    yield from window_results(store, Window(first, end))
    latest, lookback = {}, {}
    for spec in SPECS.values():
        try:
            config = spec.read_config()
        except ConfigError:
            continue  # a misconfigured provider fails its own runs, with its own line
        if config is None:
            continue
        lookback[spec.name] = config.lookback_days
        loaded = context.instance.get_materialized_partitions(
            AssetKey([spec.name, spec.resources[0]])
        )
        latest[spec.name] = date.fromisoformat(max(loaded)) if loaded else None
    yield freshness_result(stale_providers(latest, lookback, today()), sorted(lookback))
