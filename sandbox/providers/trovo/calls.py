"""What every Trovo endpoint works with: the error answer, the JSON body, and numbers.

The endpoint modules and the service all import from here and never from each other's
siblings upward, so the package has no import cycle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.catalog import ERRORS, REASONS

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService

# An endpoint is a function of the service and the request; the service's route table binds
# the first argument and wraps it with the Client-ID check and the error rendering.
Endpoint = Callable[["TrovoService", Request], Awaitable[Response]]


class TrovoError(Exception):
    """An answer from the error table; handlers raise it, the service renders it."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.message = message


def error_body(err: TrovoError) -> Response:
    """``{status, error, message}``: ``error`` is the HTTP reason phrase of the pinned status."""
    http, message = ERRORS.get(err.status, (400, "Invalid parameters."))
    return json_response(
        {"status": err.status, "error": REASONS.get(http, "Bad Request"),
         "message": err.message or message},
        http,
    )  # fmt: skip


def as_int(value: Any, default: int) -> int:
    """Trovo takes numbers as JSON numbers or numeric strings; anything else is 1002."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise TrovoError(1002)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise TrovoError(1002)


def limit_of(value: Any, default: int, high: int) -> int:
    """A ``limit`` parameter: absent or 0 means the default, outside 1..high is 1002."""
    got = as_int(value, default)
    if got == 0:
        return default
    if not 1 <= got <= high:
        raise TrovoError(1002)
    return got


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; an empty body is an empty object, anything else 1002."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise TrovoError(1002) from None
    if not isinstance(doc, dict):
        raise TrovoError(1002)
    return doc
