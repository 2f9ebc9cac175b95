"""Reading Firework request bodies: the token form and the pin/unpin ``product_ids``.

Each parser answers with the reference's own 400 message when a body is wrong.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response

ID_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")
MAX_PINS = 3


def error(message: str, status: int) -> Response:
    """Firework's one error shape, ``{"error": "<message>"}``."""
    return json_response({"error": message}, status)


async def token_form(request: Request) -> dict[str, str | None]:
    """The token request's fields; only a form-encoded body carries any (parsed here because
    Starlette's own form parsing needs python-multipart, which the sandbox does not ship)."""
    names = ("grant_type", "client_id", "client_secret", "scope")
    body = await request.body()
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", "").lower():
        return dict.fromkeys(names)
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: fields[name][0] if name in fields else None for name in names}


async def product_ids(request: Request) -> tuple[list[str], Response | None]:
    """The body's ``product_ids``, deduplicated, or the reference's 400 answer."""
    body = await request.body()
    data: Any = {}
    if "json" in request.headers.get("content-type", "") and body.strip():
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return [], error("Invalid request format", 400)
    if not isinstance(data, dict):
        return [], error("Invalid request format", 400)
    raw = data.get("product_ids")
    if raw is None:
        return [], error("product_ids is required", 400)
    if not isinstance(raw, list) or not all(isinstance(i, str) and ID_RE.match(i) for i in raw):
        return [], error("Invalid product ID format", 400)
    if not raw:
        return [], error("product_ids cannot be empty", 400)
    if len(raw) > MAX_PINS:
        return [], error("Maximum 3 products allowed per request", 400)
    return list(dict.fromkeys(raw)), None
