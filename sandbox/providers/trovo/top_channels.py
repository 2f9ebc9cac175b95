"""``gettopchannels`` (reference 5.3): live channels by viewers, paged by token and cursor.

The first request sends no token; the answer carries a ``token`` (which category the
listing is of) and ``cursor`` (the page just served, counted from 1). Later requests send
both back; ``after: false`` pages backwards. The ranking is the current minute's, not a
snapshot of the first page's: as viewers move, later pages repeat or skip channels, as the
reference warns.
"""

from __future__ import annotations

import base64
import math
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.calls import TrovoError, as_int, json_body, limit_of
from sandbox.providers.trovo.catalog import CATEGORY_BY_ID
from sandbox.providers.trovo.channels import shown, social_links, thumbnail
from sandbox.providers.trovo.world import Channel, Stream

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService


def encode_token(category_id: str, minute: int) -> str:
    raw = orjson.dumps({"c": category_id, "m": minute})
    return base64.b64encode(raw).decode()


def decode_token(token: str) -> str:
    """The category a top-channels token was issued for; 1002 if it is not ours."""
    try:
        doc = orjson.loads(base64.b64decode(token.encode(), validate=True))
        return str(doc["c"])
    except (ValueError, KeyError, TypeError):
        raise TrovoError(1002) from None


def entry(svc: TrovoService, ch: Channel, s: Stream, viewers: int, now: float) -> dict[str, Any]:
    """One channel of the list, in the field order of the reference's samples."""
    looks = shown(svc, ch, s)
    followers = svc.world.follower_count(ch, now)
    before = svc.world.recent_streams(ch, now)[1]
    return {
        "channel_id": ch.channel_id,
        "streamer_user_id": ch.channel_id,
        "channel_url": f"https://trovo.live/{ch.username}",
        "is_live": True,
        "title": looks["live_title"],
        "audi_type": looks["audi_type"],
        "current_viewers": viewers,
        "num_followers": followers,
        "category_name": CATEGORY_BY_ID.get(looks["category_id"], ("", "", ""))[1],
        "language_code": looks["language_code"],
        "thumbnail": thumbnail(ch, s.start),
        "nick_name": ch.nickname,
        "stream_started_at": str(s.start),
        "category_id": looks["category_id"],
        "video_resolution": ch.video_resolution,
        "channel_country": "",
        "profile_pic": ch.profile_pic,
        # As in both of the reference's samples: the top list's subscriber_num carries
        # the follower count. Read subscribers from channel info instead.
        "subscriber_num": followers,
        "username": ch.username,
        "social_links": social_links(ch),
        "chatters_count": max(0, int(viewers * 0.12)),
        "started_at": str(s.start),
        "ended_at": str(before.end if before is not None else 0),
    }


def _listing(token: str, body: dict[str, Any], cursor: int, now: float) -> tuple[str, str]:
    """The category listed and the token naming it: from the token sent, else a new one."""
    if token:
        return decode_token(token), token
    if cursor > 0:
        raise TrovoError(1002)  # a page past the first needs the token of the first
    category = str(body.get("category_id") or "")
    if category and category not in CATEGORY_BY_ID:
        raise TrovoError(11000)
    return category, encode_token(category, int(now // 60))


async def top_channels(svc: TrovoService, request: Request) -> Response:
    body = await json_body(request)
    limit = limit_of(body.get("limit"), 20, 100)
    cursor = as_int(body.get("cursor"), 0)
    after = body.get("after", True)
    token = body.get("token") or ""
    if not isinstance(token, str) or not isinstance(after, bool) or cursor < 0:
        raise TrovoError(1002)
    now = svc.now()
    category, token = _listing(token, body, cursor, now)
    ranked = [
        t
        for t in svc.world.ranking(now)
        if not category or shown(svc, t[0], t[1])["category_id"] == category
    ]
    index = cursor if after else cursor - 2
    page = ranked[index * limit : (index + 1) * limit] if index >= 0 else []
    return json_response(
        {
            "top_channels_lists": [entry(svc, ch, s, v, now) for ch, s, v in page],
            "total_page": math.ceil(len(ranked) / limit),
            "token": token,
            "cursor": max(index + 1, 0),
        }
    )
