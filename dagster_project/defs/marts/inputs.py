"""Which raw tables feed the marts, and how each is read for a partition window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from models.staging import tiktok_shop


@dataclass(frozen=True)
class RawInput:
    """A provider's raw table, the SQL that picks a window's rows, and its staging model."""

    provider: str
    schema: str
    table: str
    window_sql: str
    window_params: Callable[[datetime, datetime], list[object]]
    stage: Callable[[pl.LazyFrame], pl.LazyFrame]


def _unix(start: datetime, end: datetime) -> list[object]:
    return [int(start.timestamp()), int(end.timestamp())]


RAW_INPUTS: tuple[RawInput, ...] = (
    RawInput(
        "tiktok_shop",
        "tiktok_shop",
        "livestreams",
        "create_time >= ? and create_time < ?",
        _unix,
        tiktok_shop.stg_sessions,
    ),
)
