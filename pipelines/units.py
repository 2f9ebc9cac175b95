"""Units providers disagree on, read one way everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

MS_THRESHOLD = 10**11  # a unix timestamp above this is in milliseconds (year 5138 in seconds)


def unix_seconds(value: int | float | str | None) -> int | None:
    """Unix seconds, whether the provider sent seconds or milliseconds, as a number or a string.

    0 and None both mean "not set" (Shopee's end_time of a session that has not ended).
    """
    if value is None or value == "":
        return None
    number = int(float(value))
    if number == 0:
        return None
    return number // 1000 if abs(number) > MS_THRESHOLD else number


def window_days(start: datetime, end: datetime) -> list[date]:
    """The UTC days of the partition window [start, end)."""
    first = start.astimezone(UTC).date()
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def utc_day(ts: int) -> date:
    return datetime.fromtimestamp(ts, UTC).date()
