"""LiSA's request rules: ``ApiKey`` auth, zod-style 400 bodies, scrolling, shared filters.

The scrolling cursor is what the reference's example cursor decodes to: base64 of
``{"limit":10,"page":2}``. It carries no filters, so a client must send the same filters
with every page; and it counts pages, so a list that changes while a client scrolls shifts.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.responses import Response

from sandbox.jsonresp import json_response

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
BOOLS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
UNAUTHORIZED = "You are not authorized to access the target resource."


class BadRequest(Exception):
    """A validation failure; ``path`` names the offending parameter as zod does."""

    def __init__(self, message: str, path: Sequence[str | int], code: str = "custom") -> None:
        super().__init__(message)
        self.message = message
        self.path = list(path)
        self.code = code


def error(code: str, message: str, status: int, **extra: Any) -> Response:
    return json_response({"code": code, "message": message, "statusCode": status, **extra}, status)


def bad_request(exc: BadRequest) -> Response:
    issue = {"code": exc.code, "message": exc.message, "path": exc.path}
    return error("Http:BadRequest", exc.message, 400, issues=[issue])


def unauthorized() -> Response:
    return error("Http:Unauthorized", UNAUTHORIZED, 401)


def not_found() -> Response:
    return error("Http:NotFound", "The target resource could not be found.", 404)


def check_api_key(header: str | None, expected: str) -> bool:
    """``Authorization: ApiKey <key>``; any other scheme or key is refused."""
    if not header or not header.startswith("ApiKey "):
        return False
    return header[7:].strip() == expected


@dataclass(frozen=True)
class Page:
    limit: int
    page: int


def parse_int(raw: str, name: str, low: int, high: int | None) -> int:
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest("Expected number, received string", [name], "invalid_type") from None
    if value != int(value):
        raise BadRequest("Expected integer, received float", [name], "invalid_type")
    if value < low:
        raise BadRequest(f"Number must be greater than or equal to {low}", [name], "too_small")
    if high is not None and value > high:
        raise BadRequest(f"Number must be less than or equal to {high}", [name], "too_big")
    return int(value)


def encode_cursor(limit: int, page: int) -> str:
    raw = orjson.dumps({"limit": limit, "page": page})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_page(query: QueryParams) -> Page:
    """``limit`` (1..100, default 25) and ``cursor``; a cursor brings its own limit."""
    limit = DEFAULT_LIMIT
    if "limit" in query:
        limit = parse_int(query["limit"], "limit", 1, MAX_LIMIT)
    cursor = query.get("cursor")
    if cursor is None or cursor == "":
        return Page(limit, 1)
    try:
        doc = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        page = Page(int(doc["limit"]), int(doc["page"]))
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise BadRequest("Invalid cursor", ["cursor"]) from None
    if not 1 <= page.limit <= MAX_LIMIT or page.page < 1:
        raise BadRequest("Invalid cursor", ["cursor"])
    return page


def scroll(items: Sequence[Any], page: Page, last_null: bool = False) -> dict[str, Any]:
    """One page of ``items`` with LiSA's scrolling block; the last page's cursor is absent,
    or null with ``last_null`` (docs/providers/lisa.md allows either)."""
    start = (page.page - 1) * page.limit
    chunk = list(items[start : start + page.limit])
    scrolling: dict[str, Any] = {}
    if start + page.limit < len(items):
        scrolling["cursor"] = encode_cursor(page.limit, page.page + 1)
    elif last_null:
        scrolling["cursor"] = None
    scrolling.update(limit=page.limit, numItemsTotal=len(items))
    return {"items": chunk, "scrolling": scrolling}


def parse_time(raw: str, name: str, upper: bool = False) -> float:
    """ISO-8601 date or date-time; a bare date as an upper bound means the whole day."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            dt = datetime.combine(day, time(0), tzinfo=UTC)
            if upper:
                dt += timedelta(days=1, microseconds=-1000)
        else:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
    except ValueError:
        raise BadRequest(f"Invalid date: {raw}", [name], "invalid_date") from None
    return dt.timestamp()


def parse_date_range(raw: str) -> tuple[float | None, float | None]:
    """``date=<from>,<to>``; either side may be empty, not both."""
    parts = raw.split(",")
    if len(parts) > 2:
        raise BadRequest("Expected at most two comma-separated dates", ["date"])
    low = parts[0].strip()
    high = parts[1].strip() if len(parts) == 2 else ""
    if not low and not high:
        raise BadRequest("At least one of the date values must be specified", ["date"])
    return (
        parse_time(low, "date") if low else None,
        parse_time(high, "date", upper=True) if high else None,
    )


def parse_bool(query: QueryParams, name: str) -> bool | None:
    raw = query.get(name)
    if raw is None:
        return None
    if raw.lower() not in BOOLS:
        raise BadRequest(
            "Invalid enum value. Expected '0' | '1' | 'false' | 'no' | 'true' | 'yes', "
            f"received '{raw}'",
            [name],
            "invalid_enum_value",
        )
    return BOOLS[raw.lower()]


def parse_slug(query: QueryParams, name: str) -> str | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not SLUG.match(raw):
        raise BadRequest("Invalid", [name], "invalid_string")
    return raw


def parse_enum_list(query: QueryParams, name: str, allowed: Sequence[str]) -> set[str] | None:
    raw = query.get(name)
    if raw is None:
        return None
    values = {v.strip() for v in raw.split(",")}
    for v in values:
        if v not in allowed:
            expected = " | ".join(f"'{a}'" for a in allowed)
            raise BadRequest(
                f"Invalid enum value. Expected {expected}, received '{v}'",
                [name],
                "invalid_enum_value",
            )
    return values


def parse_sort(query: QueryParams, keys: Sequence[str]) -> list[tuple[str, bool]] | None:
    """``sort=date:desc,name:asc`` as [(key, descending)]."""
    raw = query.get("sort")
    if raw is None:
        return None
    out = []
    for part in raw.split(","):
        key, _, order = part.strip().partition(":")
        order = order or "asc"
        if key not in keys or order not in ("asc", "desc"):
            raise BadRequest(f"Invalid sort: {part}", ["sort"])
        out.append((key, order == "desc"))
    return out


def apply_sort(
    rows: list[Any], spec: list[tuple[str, bool]], key_of: Callable[[Any, str], Any]
) -> list[Any]:
    """Stable multi-key sort: the last key first."""
    out = list(rows)
    for key, desc in reversed(spec):
        out.sort(key=lambda row, k=key: key_of(row, k), reverse=desc)  # type: ignore[misc]
    return out
