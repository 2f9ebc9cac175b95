"""Which days can be loaded: the daily partitions run from a configurable first day to today.

The CLI checks a requested range here before anything is created, so a mistyped year is one
line, not a run in the history or a traceback from deep inside Dagster.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

FIRST_DAY_ENV = "LSW_PARTITIONS_START"
DEFAULT_FIRST_DAY = date(2024, 1, 1)
EARLIEST_FIRST_DAY = date(1970, 1, 1)


class RangeError(ValueError):
    """A requested range outside the partitions; ``str()`` is the one line to show."""


def first_day() -> date:
    """``LSW_PARTITIONS_START`` (YYYY-MM-DD), else 2024-01-01: the oldest loadable day."""
    raw = os.environ.get(FIRST_DAY_ENV)
    if not raw:
        return DEFAULT_FIRST_DAY
    try:
        chosen = date.fromisoformat(raw)
    except ValueError:
        raise RangeError(f"{FIRST_DAY_ENV} must be YYYY-MM-DD, got {raw!r}") from None
    # Dagster's partition keys are four-digit years from Unix time on: an earlier day fails
    # deep inside it (and no provider has livestreams from before 1970)
    if not EARLIEST_FIRST_DAY <= chosen <= today():
        raise RangeError(
            f"{FIRST_DAY_ENV} must be a day from {EARLIEST_FIRST_DAY} to today ({today()} UTC), "
            f"got {raw!r}"
        )
    return chosen


def today() -> date:
    return datetime.now(UTC).date()


def check_range(start: date, end: date) -> None:
    """Raise RangeError unless first_day() <= start <= end <= today (UTC)."""
    first, last = first_day(), today()
    if end < start:
        raise RangeError(f"--end {end} is before --start {start}")
    if start < first:
        raise RangeError(
            f"--start {start} is before the first partition {first}; to load older history "
            f"set {FIRST_DAY_ENV}={start} (for the CLI and the Dagster UI alike)"
        )
    if end > last:
        raise RangeError(f"--end {end} is after today ({last} UTC): there is nothing to load yet")
