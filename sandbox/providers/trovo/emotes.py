"""``getemotes`` (reference 5.10): channels' custom emotes and the platform's own.

``emote_type`` 0 is both, 1 only the channels' custom emotes, 2 only the platform's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.calls import TrovoError, as_int, json_body
from sandbox.providers.trovo.catalog import EVENT_EMOTES, GLOBAL_EMOTES
from sandbox.providers.trovo.world import Channel
from sandbox.seeds import derive

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService


async def get_emotes(svc: TrovoService, request: Request) -> Response:
    body = await json_body(request)
    kind = as_int(body.get("emote_type"), 0)
    ids = body.get("channel_id") or []
    if not isinstance(ids, list):
        ids = [ids]
    if kind not in (0, 1, 2):
        raise TrovoError(1002)
    custom: list[dict[str, Any]] = []
    if kind in (0, 1):
        for cid in ids:
            ch = svc.world.by_id.get(str(cid))
            if ch is not None:
                custom.append({"channel_id": ch.channel_id, "emotes": custom_emotes(ch)})
    platform = kind in (0, 2)
    return json_response(
        {
            "channels": {
                "customizedEmotes": {"channel": custom},
                "eventEmotes": event_emotes() if platform else [],
                "globalEmotes": global_emotes() if platform else [],
            }
        }
    )


def custom_emotes(ch: Channel) -> list[dict[str, str]]:
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


def event_emotes() -> list[dict[str, str]]:
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


def global_emotes() -> list[dict[str, str]]:
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
