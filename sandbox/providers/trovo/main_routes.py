"""Main APIs (reference section 5): categories, top channels, users, channels, followers...

Shapes follow the reference's samples where they and its field tables disagree (the
samples are what the service sends): ``total`` of followers and viewers is a string, of
subscribers a number; ``sub_created_at`` is a number while other times are strings;
the viewers answer says ``custome_roles``; channel info by id has no ``channel_id``.
"""

from __future__ import annotations

import base64
import math
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.auth import TrovoError
from sandbox.providers.trovo.catalog import (
    AUDIENCES,
    CATEGORIES,
    CATEGORY_BY_ID,
    EVENT_EMOTES,
    GLOBAL_EMOTES,
)
from sandbox.providers.trovo.service import as_int
from sandbox.providers.trovo.world import Channel, Stream
from sandbox.seeds import derive

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService

ROLES = (
    "VIPS", "ace", "aceplus", "admins", "all", "creators", "editors", "followers",
    "moderators", "subscribers", "supermods", "wardens",
)  # fmt: skip
RESOLUTION_LADDER = ("480P", "720P", "1080P")


def _category(c: tuple[str, str, str]) -> dict[str, str]:
    cid, name, short = c
    return {
        "id": cid,
        "name": name,
        "short_name": short,
        "icon_url": f"https://static.trovo.live/imgupload/category/{cid}.png",
        "desc": name,
    }


def _limit(value: Any, default: int, low: int, high: int) -> int:
    got = as_int(value, default)
    if got == 0:
        return default
    if not low <= got <= high:
        raise TrovoError(1002)
    return got


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


def routes(svc: TrovoService) -> list[BaseRoute]:
    world = svc.world

    async def top_categories(request: Request) -> Response:
        return json_response({"category_info": [_category(c) for c in CATEGORIES]})

    async def search_category(request: Request) -> Response:
        body = await svc.body(request)
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            raise TrovoError(1002)
        limit = _limit(body.get("limit"), 20, 1, 100)
        q = query.strip().lower()
        exact = [c for c in CATEGORIES if q in (c[1].lower(), c[2].lower())]
        blur = [
            c for c in CATEGORIES if c not in exact and (q in c[1].lower() or q in c[2].lower())
        ]
        found = exact + blur
        return json_response(
            {"category_info": [_category(c) for c in found[:limit]], "has_more": len(found) > limit}
        )

    def top_entry(ch: Channel, s: Stream, viewers: int, now: float) -> dict[str, Any]:
        state = {"stream": s, "started_at": s.start}
        shown = svc.shown(ch, state)
        followers = world.follower_count(ch, now)
        before = world.recent_streams(ch, now)[1]
        return {
            "channel_id": ch.channel_id,
            "streamer_user_id": ch.channel_id,
            "channel_url": f"https://trovo.live/{ch.username}",
            "is_live": True,
            "title": shown["live_title"],
            "audi_type": shown["audi_type"],
            "current_viewers": viewers,
            "num_followers": followers,
            "category_name": CATEGORY_BY_ID.get(shown["category_id"], ("", "", ""))[1],
            "language_code": shown["language_code"],
            "thumbnail": svc.thumbnail(ch, state),
            "nick_name": ch.nickname,
            "stream_started_at": str(s.start),
            "category_id": shown["category_id"],
            "video_resolution": ch.video_resolution,
            "channel_country": "",
            "profile_pic": ch.profile_pic,
            # As in both of the reference's samples: the top list's subscriber_num carries
            # the follower count. Read subscribers from channel info instead.
            "subscriber_num": followers,
            "username": ch.username,
            "social_links": [{"type": t, "url": u} for t, u in ch.social_links],
            "chatters_count": max(0, int(viewers * 0.12)),
            "started_at": str(s.start),
            "ended_at": str(before.end if before is not None else 0),
        }

    async def top_channels(request: Request) -> Response:
        body = await svc.body(request)
        limit = _limit(body.get("limit"), 20, 1, 100)
        cursor = as_int(body.get("cursor"), 0)
        after = body.get("after", True)
        token = body.get("token") or ""
        if not isinstance(token, str) or not isinstance(after, bool) or cursor < 0:
            raise TrovoError(1002)
        now = svc.now()
        if token:
            category = decode_token(token)
        elif cursor > 0:
            raise TrovoError(1002)  # a page past the first needs the token of the first
        else:
            category = str(body.get("category_id") or "")
            if category and category not in CATEGORY_BY_ID:
                raise TrovoError(11000)
            token = encode_token(category, int(now // 60))
        # The ranking is the current minute's, not a snapshot of the first page's: as
        # viewers move, later pages repeat or skip channels, as the reference warns.
        ranked = [
            t
            for t in world.ranking(now)
            if not category or svc.shown(t[0], {"stream": t[1]})["category_id"] == category
        ]
        index = cursor if after else cursor - 2
        page = ranked[index * limit : (index + 1) * limit] if index >= 0 else []
        return json_response(
            {
                "top_channels_lists": [top_entry(ch, s, v, now) for ch, s, v in page],
                "total_page": math.ceil(len(ranked) / limit),
                "token": token,
                "cursor": max(index + 1, 0),
            }
        )

    async def get_users(request: Request) -> Response:
        body = await svc.body(request)
        names = body.get("user", body.get("users"))
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise TrovoError(1002)
        found = [world.by_username[n.lower()] for n in names if n.lower() in world.by_username]
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

    async def channel_by_id(request: Request) -> Response:
        body = await svc.body(request)
        cid, name = body.get("channel_id"), body.get("username")
        if cid not in (None, "", 0):
            ch = svc.channel(as_int(cid, 0))
        elif isinstance(name, str) and name:
            got = world.by_username.get(name.lower())
            if got is None:
                raise TrovoError(10505)
            ch = got
        else:
            raise TrovoError(1002)
        return json_response(svc.channel_info(ch))

    async def own_channel(request: Request) -> Response:
        tok = svc.user_token(request, "channel_details_self")
        ch = world.by_id[tok.channel_id]
        key = derive(world.seed, "trovo", "stream-key", ch.channel_id)
        return json_response(
            {
                "uid": ch.channel_id,
                "channel_id": ch.channel_id,
                **svc.channel_info(ch),
                "stream_key": f"live/{ch.channel_id}_{key:016x}",
            }
        )

    async def update_channel(request: Request) -> Response:
        tok = svc.user_token(request, "channel_update_self")
        body = await svc.body(request)
        if as_int(body.get("channel_id"), -1) < 0:
            raise TrovoError(1002)
        if str(body["channel_id"]) != tok.channel_id:
            raise TrovoError(10703)
        edits: dict[str, str] = {}
        title = body.get("live_title")
        if title is not None:
            if not isinstance(title, str) or not title.strip() or len(title) > 200:
                raise TrovoError(1002)
            edits["live_title"] = title
        category = body.get("category_id", body.get("category"))
        if category is not None:
            if str(category) not in CATEGORY_BY_ID:
                raise TrovoError(11000)
            edits["category_id"] = str(category)
        lang = body.get("language_code")
        if lang is not None:
            if not isinstance(lang, str) or len(lang) != 2 or not lang.isalpha():
                raise TrovoError(1002)
            edits["language_code"] = lang.upper()
        audi = body.get("audi_type")
        if audi is not None:
            if audi not in AUDIENCES:
                raise TrovoError(1002)
            edits["audi_type"] = str(audi)
        with svc.lock:
            svc.overrides.setdefault(tok.channel_id, {}).update(edits)
            svc.counters["updates"] += 1
        return json_response({"empty": ""})

    async def user_info(request: Request) -> Response:
        tok = svc.user_token(request, "user_details_self")
        ch = world.by_id[tok.channel_id]
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

    async def subscriptions(request: Request) -> Response:
        tok = svc.user_token(request, "channel_subscriptions")
        ch = svc.channel(request.path_params["channel_id"])
        if ch.channel_id != tok.channel_id:
            raise TrovoError(10703)
        q = request.query_params
        limit = _limit(q.get("limit"), 25, 1, 100)
        offset = as_int(q.get("offset"), 0)
        direction = q.get("direction", "asc") or "asc"
        if offset < 0 or direction not in ("asc", "desc"):
            raise TrovoError(1002)
        subs = world.subscriptions(ch, svc.now())
        ordered = subs if direction == "asc" else subs[::-1]
        out = []
        for s in ordered[offset : offset + limit]:
            u = world.user(s.user)
            out.append(
                {
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
            )
        return json_response({"total": len(subs), "subscriptions": out})

    async def emotes(request: Request) -> Response:
        body = await svc.body(request)
        kind = as_int(body.get("emote_type"), 0)
        ids = body.get("channel_id") or []
        if not isinstance(ids, list):
            ids = [ids]
        if kind not in (0, 1, 2):
            raise TrovoError(1002)
        custom = []
        if kind in (0, 1):
            for cid in ids:
                ch = world.by_id.get(str(cid))
                if ch is not None:
                    custom.append({"channel_id": ch.channel_id, "emotes": _custom_emotes(ch)})
        platform = kind in (0, 2)
        return json_response(
            {
                "channels": {
                    "customizedEmotes": {"channel": custom},
                    "eventEmotes": _event_emotes() if platform else [],
                    "globalEmotes": _global_emotes() if platform else [],
                }
            }
        )

    async def viewers(request: Request) -> Response:
        ch = svc.channel(request.path_params["channel_id"])
        body = await svc.body(request)
        limit = max(_limit(body.get("limit"), 100_000, 1, 100_000), 20)
        cursor = as_int(body.get("cursor"), 0)
        if cursor < 0:
            raise TrovoError(1002)
        now = svc.now()
        names, roles = world.chatters(ch, now)
        page = names[cursor : cursor + limit]
        chatters: dict[str, dict[str, list[str]]] = {r: {"viewers": []} for r in ROLES}
        for name in page:
            chatters["all"]["viewers"].append(name)
            for role in roles.get(name, ()):
                chatters[role]["viewers"].append(name)
        state = world.live_state(ch, now)
        return json_response(
            {
                "live_title": svc.shown(ch, state)["live_title"],
                "total": str(len(names)),
                "nickname": ch.nickname,
                "chatters": chatters,
                "custome_roles": {},
            }
        )

    async def followers(request: Request) -> Response:
        ch = svc.channel(request.path_params["channel_id"])
        body = await svc.body(request)
        limit = _limit(body.get("limit"), 20, 1, 100)
        cursor = as_int(body.get("cursor"), 0)
        direction = body.get("direction") or "asc"
        if cursor < 0 or direction not in ("asc", "desc"):
            raise TrovoError(1002)
        rows, total = world.follower_rows(ch, svc.now())
        if direction == "asc":
            page = rows[cursor : min(cursor + limit, total)] if cursor < total else []
        else:
            top = total - cursor
            page = rows[max(top - limit, 0) : top][::-1] if top > 0 else []
        # The reference's sample answers a first page of 5 of 9 with cursor 5: an offset.
        return json_response(
            {
                "total": str(total),
                "follower": page,
                "total_page": math.ceil(total / limit),
                "cursor": cursor + len(page),
            }
        )

    async def stream_urls(request: Request) -> Response:
        body = await svc.body(request)
        if body.get("channel_id") in (None, ""):
            raise TrovoError(1002)
        ch = svc.channel(as_int(body["channel_id"], 0))
        if not svc.option("livestream_url_access", True):
            return json_response({})  # "clients without permission get void return"
        state = world.live_state(ch, svc.now())
        urls = []
        if state["live"]:
            top = RESOLUTION_LADDER.index(ch.video_resolution)
            urls = [
                {
                    "play_url": f"http://liveplay.trovo.live/live/{ch.channel_id}_{res.lower()}.m3u8",
                    "desc": res,
                }
                for res in RESOLUTION_LADDER[: top + 1]
            ]
        return json_response({"stream_urls": urls})

    e = svc.endpoint
    return [
        Route("/categorys/top", e(top_categories), methods=["GET"]),
        Route("/searchcategory", e(search_category), methods=["POST"]),
        Route("/gettopchannels", e(top_channels), methods=["POST"]),
        Route("/getusers", e(get_users), methods=["POST"]),
        Route("/channels/id", e(channel_by_id), methods=["POST"]),
        Route("/channel", e(own_channel), methods=["GET"]),
        Route("/channels/update", e(update_channel), methods=["POST"]),
        Route("/getuserinfo", e(user_info), methods=["GET"]),
        Route("/channels/{channel_id}/subscriptions", e(subscriptions), methods=["GET"]),
        Route("/getemotes", e(emotes), methods=["POST"]),
        Route("/channels/{channel_id}/viewers", e(viewers), methods=["POST"]),
        Route("/channels/{channel_id}/followers", e(followers), methods=["POST"]),
        Route("/livestreamurl", e(stream_urls), methods=["POST"]),
    ]


def _custom_emotes(ch: Channel) -> list[dict[str, str]]:
    n = 2 + derive(0, "trovo", "emotes", ch.channel_id) % 5
    return [
        {
            "name": f"sub_{ch.username.lower()[:5]}{k}",
            "description": "",
            "url": f"https://headicon.trovo.live/file/custom/{ch.channel_id}/{k:02d}.png",
            "status": "CustomEmoteStatusEnable",
        }
        for k in range(n)
    ]


def _event_emotes() -> list[dict[str, str]]:
    return [
        {
            "activity_name": activity,
            "name": name,
            "description": name.capitalize(),
            "gifp": f"https://img.trovo.live/emotes/{name}.gif",
            "status": "1",
            "update_time": "1612335774",
            "url": f"https://img.trovo.live/emotes/{name}.png",
            "webp": f"https://img.trovo.live/emotes/{name}.webp",
        }
        for activity, name in EVENT_EMOTES
    ]


def _global_emotes() -> list[dict[str, str]]:
    return [
        {
            "name": name,
            "description": name,
            "gifp": f"https://img.trovo.live/emotes/{name}.gif",
            "status": "1",
            "url": f"https://img.trovo.live/emotes/{name}.png",
            "webp": f"https://img.trovo.live/emotes/{name}.webp",
        }
        for name in GLOBAL_EMOTES
    ]
