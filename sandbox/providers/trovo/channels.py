"""Channel endpoints (reference 5.5-5.7, 5.13) and how a channel looks right now.

``channels/id`` answers for any channel without a token; ``GET /channel`` is the token
owner's own channel with its stream key; ``channels/update`` edits title, category,
language and audience (edits win over the seeded world from then on, everywhere the
channel is shown); ``livestreamurl`` lists play URLs up to the stream's resolution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.calls import TrovoError, as_int, json_body
from sandbox.providers.trovo.catalog import AUDIENCES, CATEGORY_BY_ID
from sandbox.providers.trovo.world import Channel, Stream
from sandbox.seeds import derive

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService

RESOLUTION_LADDER = ("480P", "720P", "1080P")


def shown(svc: TrovoService, ch: Channel, stream: Stream | None) -> dict[str, str]:
    """Title, category, language and audience as shown now (edits win over the world)."""
    got = {
        "live_title": stream.title if stream is not None else f"{ch.nickname}'s channel",
        "category_id": stream.category_id if stream is not None else ch.category_id,
        "language_code": ch.language_code,
        "audi_type": ch.audi_type,
    }
    got.update(svc.overrides.get(ch.channel_id, {}))
    return got


def thumbnail(ch: Channel, started_at: int) -> str:
    return f"https://livecover.trovo.live/screenshot/{ch.channel_id}-{started_at}.jpg"


def social_links(ch: Channel) -> list[dict[str, str]]:
    return [{"type": t, "url": u} for t, u in ch.social_links]


def channel_info(svc: TrovoService, ch: Channel) -> dict[str, Any]:
    """The body of ``channels/id``: live state on the sandbox clock, times as strings."""
    now = svc.now()
    state = svc.world.live_state(ch, now)
    looks = shown(svc, ch, state["stream"])
    live = state["live"]
    return {
        "is_live": live,
        "category_id": looks["category_id"],
        "category_name": CATEGORY_BY_ID.get(looks["category_id"], ("", "", ""))[1],
        "live_title": looks["live_title"],
        "audi_type": looks["audi_type"],
        "language_code": looks["language_code"],
        "thumbnail": thumbnail(ch, state["started_at"]) if live else "",
        "current_viewers": state["viewers"],
        "followers": svc.world.follower_count(ch, now),
        "streamer_info": ch.streamer_info,
        "profile_pic": ch.profile_pic,
        "channel_url": f"https://trovo.live/{ch.username}",
        "created_at": str(ch.created_at),
        "subscriber_num": len(svc.world.subscriptions(ch, now)),
        "username": ch.username,
        "social_links": social_links(ch),
        "started_at": str(state["started_at"]),
        "ended_at": str(state["ended_at"]),
    }


async def channel_by_id(svc: TrovoService, request: Request) -> Response:
    """By ``channel_id`` if given, else by ``username`` (not case sensitive)."""
    body = await json_body(request)
    cid, name = body.get("channel_id"), body.get("username")
    if cid not in (None, "", 0):
        ch = svc.channel(as_int(cid, 0))
    elif isinstance(name, str) and name:
        got = svc.world.by_username.get(name.lower())
        if got is None:
            raise TrovoError(10505)
        ch = got
    else:
        raise TrovoError(1002)
    return json_response(channel_info(svc, ch))


async def own_channel(svc: TrovoService, request: Request) -> Response:
    tok = svc.user_token(request, "channel_details_self")
    ch = svc.world.by_id[tok.channel_id]
    key = derive(svc.world.seed, "trovo", "stream-key", ch.channel_id)
    return json_response(
        {
            "uid": ch.channel_id,
            "channel_id": ch.channel_id,
            **channel_info(svc, ch),
            "stream_key": f"live/{ch.channel_id}_{key:016x}",
        }
    )


def _edits(body: dict[str, Any]) -> dict[str, str]:
    """The fields an edit sets, each checked; the table names ``category``, the sample
    sends ``category_id``: both are taken."""
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
    return edits


async def update_channel(svc: TrovoService, request: Request) -> Response:
    tok = svc.user_token(request, "channel_update_self")
    body = await json_body(request)
    if as_int(body.get("channel_id"), -1) < 0:
        raise TrovoError(1002)
    if str(body["channel_id"]) != tok.channel_id:
        raise TrovoError(10703)
    edits = _edits(body)
    with svc.lock:
        svc.overrides.setdefault(tok.channel_id, {}).update(edits)
        svc.counters["updates"] += 1
    return json_response({"empty": ""})


async def stream_urls(svc: TrovoService, request: Request) -> Response:
    body = await json_body(request)
    if body.get("channel_id") in (None, ""):
        raise TrovoError(1002)
    ch = svc.channel(as_int(body["channel_id"], 0))
    if not svc.option("livestream_url_access", True):
        return json_response({})  # "clients without permission get void return"
    urls = []
    if svc.world.live_state(ch, svc.now())["live"]:
        top = RESOLUTION_LADDER.index(ch.video_resolution)
        urls = [
            {
                "play_url": f"http://liveplay.trovo.live/live/{ch.channel_id}_{res.lower()}.m3u8",
                "desc": res,
            }
            for res in RESOLUTION_LADDER[: top + 1]
        ]
    return json_response({"stream_urls": urls})
