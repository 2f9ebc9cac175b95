"""The raw live tables (schema ``live``) and how landed records become their rows.

Each table is keyed by the landing store's record id, so loading a record twice (a sensor
tick that loaded but died before its cursor moved) adds nothing: dlt's ``insert-only`` merge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa
from dagster import AssetKey

from live.lisa_events import SOURCE as LISA_EVENT
from live.shopee_schema import COMMENT, METRIC, SESSION
from live.store import Landed

SCHEMA = "live"
TS = pa.timestamp("us", tz="UTC")
Row = dict[str, Any]


def _ts(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _comment(r: Landed, b: Row) -> Row:
    ms = b.get("timestamp")
    return {
        "record_id": r.record_id,
        "session_id": int(b["session_id"]),
        "user_id": b.get("account_user_id"),
        "comment_id": int(b["comment_id"]),
        "commented_at": None if ms is None else _ts(_precise(ms)),
        "viewer_id": b.get("user_id"),
        "username": b.get("username"),
        "content": b.get("content"),
        "observed_at": _ts(r.received_at),
    }


def _precise(value: Any) -> float:
    """Unix seconds with their fraction, from seconds or milliseconds (docs/providers/shopee.md)."""
    number = float(value)
    return number / 1000 if number > 1e11 else number


METRIC_FIELDS = (
    "gmv",
    "atc",
    "ctr",
    "co",
    "orders",
    "ccu",
    "engage_ccu_1m",
    "peak_ccu",
    "likes",
    "comments",
    "shares",
    "views",
    "avg_viewing_duration",
)


def _metric(r: Landed, b: Row) -> Row:
    return {
        "record_id": r.record_id,
        "session_id": int(b["session_id"]),
        "user_id": b.get("user_id"),
        "observed_at": _ts(float(b["observed_at"])),
        **{name: b.get(name) for name in METRIC_FIELDS},
    }


def _session(r: Landed, b: Row) -> Row:
    return {
        "record_id": r.record_id,
        "session_id": int(b["session_id"]),
        "user_id": b.get("user_id"),
        "status": int(b["status"]),
        "started_at": _ts(_nonzero(b.get("start_time"))),
        "ended_at": _ts(_nonzero(b.get("end_time"))),
        "observed_at": _ts(float(b["observed_at"])),
    }


def _nonzero(value: Any) -> float | None:
    return _precise(value) if value not in (None, 0, "0", "") else None


def _event(r: Landed, b: Row) -> Row:
    detail = b["detail"] if isinstance(b.get("detail"), dict) else {}
    return {
        "record_id": r.record_id,
        "event_type": b.get("eventType"),
        "event_date": _iso(b.get("eventDate")),
        "client": b.get("client"),
        "show_id": detail.get("id"),
        "received_at": _ts(r.received_at),
        "body": r.body.decode(),
    }


@dataclass(frozen=True)
class LiveTable:
    name: str
    source: str
    schema: pa.Schema
    row: Callable[[Landed, Row], Row]

    @property
    def key(self) -> AssetKey:
        return AssetKey([SCHEMA, self.name])

    def arrow(self, records: Sequence[Landed]) -> pa.Table:
        rows = [self.row(r, orjson.loads(r.body)) for r in records]
        return pa.Table.from_pylist(rows, schema=self.schema)


_METRIC_TYPES = {"gmv": pa.float64(), "ctr": pa.float64(), "co": pa.float64()}

TABLES = (
    LiveTable(
        "shopee_comments",
        COMMENT,
        pa.schema(
            [
                pa.field("record_id", pa.string(), nullable=False),
                ("session_id", pa.int64()),
                ("user_id", pa.int64()),
                ("comment_id", pa.int64()),
                ("commented_at", TS),
                ("viewer_id", pa.int64()),
                ("username", pa.string()),
                ("content", pa.string()),
                ("observed_at", TS),
            ]
        ),
        _comment,
    ),
    LiveTable(
        "shopee_session_metrics",
        METRIC,
        pa.schema(
            [
                pa.field("record_id", pa.string(), nullable=False),
                ("session_id", pa.int64()),
                ("user_id", pa.int64()),
                ("observed_at", TS),
                *((name, _METRIC_TYPES.get(name, pa.int64())) for name in METRIC_FIELDS),
            ]
        ),
        _metric,
    ),
    LiveTable(
        "shopee_sessions",
        SESSION,
        pa.schema(
            [
                pa.field("record_id", pa.string(), nullable=False),
                ("session_id", pa.int64()),
                ("user_id", pa.int64()),
                ("status", pa.int64()),
                ("started_at", TS),
                ("ended_at", TS),
                ("observed_at", TS),
            ]
        ),
        _session,
    ),
    LiveTable(
        "lisa_events",
        LISA_EVENT,
        pa.schema(
            [
                pa.field("record_id", pa.string(), nullable=False),
                ("event_type", pa.string()),
                ("event_date", TS),
                ("client", pa.string()),
                ("show_id", pa.string()),
                ("received_at", TS),
                ("body", pa.string()),
            ]
        ),
        _event,
    ),
)
BY_SOURCE = {t.source: t for t in TABLES}
