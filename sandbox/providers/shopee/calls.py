"""What every livestream endpoint works with: the authenticated call, the error answer, and
parsing of query parameters and pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from sandbox.providers.shopee import world as w


class ApiError(Exception):
    """A Shopee error answer: envelope ``error``/``message`` and the HTTP status it comes with."""

    def __init__(self, error: str, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.status = status


def param_error(message: str) -> ApiError:
    return ApiError("error_param", f"Wrong parameters, detail: {message}", 400)


@dataclass
class Call:
    q: QueryParams
    user_id: int
    seller: w.Seller
    now: float
    now_ms: int


def error_body(error: str, message: str, request_id: str) -> dict[str, Any]:
    return {"error": error, "message": message, "request_id": request_id, "response": None}


def query_int(q: QueryParams, name: str) -> int:
    raw = q.get(name)
    if raw is None or raw == "":
        raise param_error(f"{name} is required.")
    try:
        return int(raw)
    except ValueError:
        raise param_error(f"{name} should be an integer.") from None


def query_text(q: QueryParams, name: str, required: bool, limit: int = 200) -> str:
    value = q.get(name, "")
    if required and not value:
        raise param_error(f"{name} is required.")
    if len(value) > limit:
        raise param_error(f"{name} cannot exceed {limit} characters.")
    return value


def query_bool(q: QueryParams, name: str) -> bool:
    raw = q.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise param_error(f"{name} should be a boolean.")
    return raw in ("true", "1")


def query_page(q: QueryParams) -> tuple[int, int]:
    offset, size = query_int(q, "offset"), query_int(q, "page_size")
    if offset < 0:
        raise param_error("offset should not be negative.")
    if not 1 <= size <= 100:
        raise param_error("page_size should be between 1 and 100.")
    return offset, size


def paged(page: list[dict[str, Any]], offset: int, total: int) -> dict[str, Any]:
    nxt = offset + len(page)
    return {"more": nxt < total, "next_offset": nxt, "list": page}


def listed(items: list[w.Item], offset: int, size: int) -> dict[str, Any]:
    page = [item.listed(offset + k + 1) for k, item in enumerate(items[offset : offset + size])]
    return paged(page, offset, len(items))
