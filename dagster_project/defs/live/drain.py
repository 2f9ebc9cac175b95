"""Draining the landing store into the raw live tables: one dlt load, arrow in, parquet out.

The load goes through ``dagster_project.dlt_run.load``: only restoring dlt's state and
loading hold the warehouse's writer lock, so a drain queues behind a scheduled load instead
of failing. What was drained also says which marts are stale: the LiSA shows an event
touched (by the days their streams start) and the Shopee sessions that ended.
"""

from __future__ import annotations

import shutil
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import dlt
import orjson

from dagster_project.defs.live.tables import BY_SOURCE, SCHEMA, TABLES
from dagster_project.dlt_run import load
from dagster_project.resources import Warehouse
from live.lisa_events import SOURCE as LISA_EVENT
from live.shopee_schema import COMMENT, METRIC, SESSION
from live.store import Landed

ENDED = 2


@dataclass
class Drained:
    """What one drain loaded, and the days whose marts it made stale."""

    last_seq: int
    rows: dict[str, int] = field(default_factory=dict)
    lisa_days: set[date] = field(default_factory=set)
    shopee_days: set[date] = field(default_factory=set)
    shopee_live: bool = False  # comments or metric snapshots arrived: live_engagement is stale


def drain(warehouse: Warehouse, records: Sequence[Landed], on_wait: Callable[[], None]) -> Drained:
    """Load ``records`` into the ``live`` tables (a record loaded before is not added again)."""
    by_source: dict[str, list[Landed]] = defaultdict(list)
    for r in records:
        if r.source in BY_SOURCE:
            by_source[r.source].append(r)
    result = Drained(last_seq=max((r.seq for r in records), default=0))
    resources = []
    for table in TABLES:
        batch = by_source.get(table.source)
        if not batch:
            continue
        resources.append(
            dlt.resource(
                table.arrow(batch),
                name=table.name,
                write_disposition={"disposition": "merge", "strategy": "insert-only"},
                primary_key="record_id",
            )
        )
        result.rows[table.name] = len(batch)
    if resources:
        run_id = f"live-{uuid.uuid4().hex}"
        try:
            load(warehouse, warehouse.pipeline(SCHEMA, run_id), resources, on_wait)  # type: ignore[arg-type]
        finally:
            shutil.rmtree(warehouse.working_dir(run_id), ignore_errors=True)
    for r in by_source.get(LISA_EVENT, []):
        result.lisa_days |= show_days(orjson.loads(r.body))
    for r in by_source.get(SESSION, []):
        body = orjson.loads(r.body)
        if int(body.get("status", -1)) == ENDED and body.get("start_time"):
            result.shopee_days.add(_day(float(body["start_time"])))
    result.shopee_live = bool(by_source.get(COMMENT) or by_source.get(METRIC))
    return result


def show_days(event: dict[str, Any]) -> set[date]:
    """The session days a show event touches: each stream's start day, else the scheduled day
    (a stream that starts after midnight is a session of the next day)."""
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return set()
    starts = [s.get("start") for s in detail.get("streams") or [] if isinstance(s, dict)]
    days = {d for d in (_iso_day(s) for s in starts) if d is not None}
    if not days:
        scheduled = _iso_day(detail.get("date"))
        days = {scheduled} if scheduled is not None else set()
    return days


def _iso_day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    with suppress(ValueError):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).date()
    return None


def _day(start_time: float) -> date:
    seconds = start_time / 1000 if start_time > 1e11 else start_time
    return datetime.fromtimestamp(seconds, tz=UTC).date()
