"""``POST channels/{id}/followers`` (reference 5.12): who follows a channel, and since when.

Body ``{limit (default 20, at most 100), cursor, direction (asc|desc, default asc)}``.
The ``cursor`` is an offset: the reference's sample answers a first page of 5 of 9 with
``cursor: 5`` and ``total_page: 2``. The answer's cursor is the request's plus the rows
served, so past the end it stops advancing and the page is empty. ``asc`` is oldest
follow first; ``desc`` counts the offset from the newest. ``total`` is a string;
``followed_at`` is "YYYY-MM-DD HH:MM:SS" in UTC.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.calls import TrovoError, as_int, json_body, limit_of

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService


async def followers(svc: TrovoService, request: Request) -> Response:
    ch = svc.channel(request.path_params["channel_id"])
    body = await json_body(request)
    limit = limit_of(body.get("limit"), 20, 100)
    cursor = as_int(body.get("cursor"), 0)
    direction = body.get("direction") or "asc"
    if cursor < 0 or direction not in ("asc", "desc"):
        raise TrovoError(1002)
    now = svc.now()
    total = svc.world.follower_count(ch, now)
    if direction == "asc":
        page = svc.world.followers_between(ch, now, cursor, min(cursor + limit, total))
    else:
        top = total - cursor
        page = svc.world.followers_between(ch, now, max(top - limit, 0), top)[::-1]
    return json_response(
        {
            "total": str(total),
            "follower": page,
            "total_page": math.ceil(total / limit),
            "cursor": cursor + len(page),
        }
    )
