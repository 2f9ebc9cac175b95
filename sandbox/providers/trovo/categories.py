"""Category endpoints (reference 5.1-5.2): the catalogue by popularity, and search by name.

Search matches full and short names, exact matches first, then substrings ("blur").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.calls import TrovoError, json_body, limit_of
from sandbox.providers.trovo.catalog import CATEGORIES

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService


def category(c: tuple[str, str, str]) -> dict[str, str]:
    cid, name, short = c
    return {
        "id": cid,
        "name": name,
        "short_name": short,
        "icon_url": f"https://static.trovo.live/imgupload/category/{cid}.png",
        "desc": name,
    }


async def top_categories(svc: TrovoService, request: Request) -> Response:
    return json_response({"category_info": [category(c) for c in CATEGORIES]})


async def search_category(svc: TrovoService, request: Request) -> Response:
    body = await json_body(request)
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise TrovoError(1002)
    limit = limit_of(body.get("limit"), 20, 100)
    q = query.strip().lower()
    exact = [c for c in CATEGORIES if q in (c[1].lower(), c[2].lower())]
    blur = [c for c in CATEGORIES if c not in exact and (q in c[1].lower() or q in c[2].lower())]
    found = exact + blur
    return json_response(
        {"category_info": [category(c) for c in found[:limit]], "has_more": len(found) > limit}
    )
