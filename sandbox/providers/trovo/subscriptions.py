"""``GET channels/{id}/subscriptions`` (reference 5.9): the token owner's subscribers.

Paged by ``offset`` (an index into the list, default 0) and ``limit`` (default 25, at most
100); ``direction`` asc is oldest subscription first. ``total`` is a number here, and
``sub_created_at`` a number of unix seconds, as the reference's sample shows; the user's
``created_at`` is a string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.calls import TrovoError, as_int, limit_of
from sandbox.providers.trovo.world import Subscription

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService


def _entry(svc: TrovoService, s: Subscription) -> dict[str, Any]:
    u = svc.world.user(s.user)
    return {
        "user": {
            "user_id": u["user_id"],
            "username": u["username"],
            "display_name": u["nickname"],
            "profile_pic": u["profile_pic"],
            "created_at": u["created_at"],
        },
        "sub_created_at": s.start,
        "sub_lv": s.sub_lv,
        "sub_tier": s.sub_tier,
    }


async def subscriptions(svc: TrovoService, request: Request) -> Response:
    tok = svc.user_token(request, "channel_subscriptions")
    ch = svc.channel(request.path_params["channel_id"])
    if ch.channel_id != tok.channel_id:
        raise TrovoError(10703)
    q = request.query_params
    limit = limit_of(q.get("limit"), 25, 100)
    offset = as_int(q.get("offset"), 0)
    direction = q.get("direction", "asc") or "asc"
    if offset < 0 or direction not in ("asc", "desc"):
        raise TrovoError(1002)
    subs = svc.world.subscriptions(ch, svc.now())
    ordered = subs if direction == "asc" else subs[::-1]
    page = [_entry(svc, s) for s in ordered[offset : offset + limit]]
    return json_response({"total": len(subs), "subscriptions": page})
