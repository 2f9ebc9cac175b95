"""User endpoints (reference 5.4, 5.8): channel ids by username, and the token owner's profile.

On Trovo a streamer's user id and channel id are the same number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.calls import TrovoError, json_body

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService


async def get_users(svc: TrovoService, request: Request) -> Response:
    """The curl sends ``user``, the parameter table says ``users``: both are taken. Unknown
    names are left out; none known at all is 10505."""
    body = await json_body(request)
    names = body.get("user", body.get("users"))
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise TrovoError(1002)
    by_name = svc.world.by_username
    found = [by_name[n.lower()] for n in names if n.lower() in by_name]
    if not found:
        raise TrovoError(10505)
    users = [
        {
            "user_id": ch.channel_id,
            "username": ch.username,
            "nickname": ch.nickname,
            "channel_id": ch.channel_id,
        }
        for ch in found
    ]
    return json_response({"total": len(users), "users": users})


async def user_info(svc: TrovoService, request: Request) -> Response:
    tok = svc.user_token(request, "user_details_self")
    ch = svc.world.by_id[tok.channel_id]
    return json_response(
        {
            "userId": ch.channel_id,
            "userName": ch.username,
            "nickName": ch.nickname,
            "email": ch.email,
            "profilePic": ch.profile_pic,
            "info": ch.streamer_info,
            "channelId": ch.channel_id,
        }
    )
