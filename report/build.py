"""Writing the report for a warehouse: read the marts, draw, write the file atomically."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from report import charts, data, page
from warehouse import destination
from warehouse.publish import reader_path
from warehouse.store import open_store

DEFAULT_DAYS = 30


def default_path(warehouse: Path) -> Path:
    """``report.html`` beside the warehouse."""
    return warehouse.with_name("report.html")


def write_report(warehouse: Path, out: Path | None = None, days: int = DEFAULT_DAYS) -> Path:
    """Write the report of the last ``days`` days of ``warehouse`` to ``out``; its path.

    On DuckDB it reads the published read-only copy when there is one, so it never delays a
    load; elsewhere the destination's marts through dlt. It replaces the file in one step, so
    a browser never opens half a report.
    """
    target = out or default_path(warehouse)
    duck = destination.is_duckdb()
    source = reader_path(warehouse) if duck else warehouse
    with open_store(source, read_only=True) as store:
        found = data.read(store, days)
    figures = {
        "gmv-per-day": charts.gmv_per_day(found.gmv_by_day),
        "gmv-rates": charts.gmv_rates(found.rates),
        "engagement": charts.engagement_trend(found.engagement),
        "followers": charts.followers_growth(found.followers),
        "top-sessions": charts.top_sessions(found.top_sessions),
        "top-products": charts.top_products(found.top_products),
    }
    text = page.render(
        figures,
        found.freshness,
        found.start,
        found.end,
        datetime.now(UTC),
        source.name if duck else f"{destination.name()} (dataset marts)",
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target
