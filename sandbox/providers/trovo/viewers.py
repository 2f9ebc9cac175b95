"""``POST channels/{id}/viewers`` (reference 5.11): who is logged in and watching now.

Body ``{limit (default and most 100000, at least 20), cursor}``; the cursor is an offset
into the viewers in join order (the answer carries no cursor of its own, as in the
reference's sample). ``total`` is a string counting every viewer, not the page;
``chatters`` maps every role of the sample to ``{"viewers": [nicknames]}``, ``all``
holding everyone on the page; the sample spells ``custome_roles``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.calls import TrovoError, as_int, json_body, limit_of
from sandbox.providers.trovo.channels import shown

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService

ROLES = (
    "VIPS", "ace", "aceplus", "admins", "all", "creators", "editors", "followers",
    "moderators", "subscribers", "supermods", "wardens",
)  # fmt: skip
MIN_LIMIT = 20
MAX_LIMIT = 100_000


async def viewers(svc: TrovoService, request: Request) -> Response:
    ch = svc.channel(request.path_params["channel_id"])
    body = await json_body(request)
    limit = max(limit_of(body.get("limit"), MAX_LIMIT, MAX_LIMIT), MIN_LIMIT)
    cursor = as_int(body.get("cursor"), 0)
    if cursor < 0:
        raise TrovoError(1002)
    now = svc.now()
    watching = svc.world.chatters(ch, now)
    chatters: dict[str, dict[str, list[str]]] = {r: {"viewers": []} for r in ROLES}
    for viewer in watching[cursor : cursor + limit]:
        chatters["all"]["viewers"].append(viewer.nickname)
        for role in viewer.roles:
            chatters[role]["viewers"].append(viewer.nickname)
    stream = svc.world.live_state(ch, now)["stream"]
    return json_response(
        {
            "live_title": shown(svc, ch, stream)["live_title"],
            "total": str(len(watching)),
            "nickname": ch.nickname,
            "chatters": chatters,
            "custome_roles": {},
        }
    )
