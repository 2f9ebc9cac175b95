"""Chat APIs (reference section 6): send, delete, commands.

Rules kept: sending to someone else's channel needs that channel's owner to have granted
``send_to_my_channel`` to this client (11707); a non-owner may not repeat a message to a
channel within 30 s nor send more than one message a second (10908); only the streamer or
a mod deletes messages, and mods cannot delete the streamer's; a failed command is a 200
with ``is_success: false``. Time is the sandbox clock.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.auth import TrovoError
from sandbox.providers.trovo.catalog import CATEGORIES
from sandbox.providers.trovo.service import as_int

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService

SAME_MESSAGE_S = 30.0
MIN_GAP_S = 1.0
USER_COMMANDS = {"mod", "unmod", "ban", "unban", "timeout", "vip", "unvip", "host"}
PLAIN_COMMANDS = {
    "clear", "slowoff", "followers", "followersoff", "subscribers", "subscribersoff", "unhost",
}  # fmt: skip


def routes(svc: TrovoService) -> list[BaseRoute]:
    world = svc.world

    async def send(request: Request) -> Response:
        tok = svc.user_token(request, "chat_send_self")
        body = await svc.body(request)
        content = body.get("content")
        if not isinstance(content, str) or not content.strip() or len(content) > 300:
            raise TrovoError(1002)
        target = tok.channel_id
        if body.get("channel_id") not in (None, ""):
            target = svc.channel(as_int(body["channel_id"], 0)).channel_id
        now = svc.now()
        if target != tok.channel_id and not svc.tokens.holders_of(
            target, "send_to_my_channel", now
        ):
            raise TrovoError(11707)
        privileged = target == tok.channel_id or tok.channel_id in _mod_ids(svc, target)
        with svc.lock:
            if not privileged:
                last = svc.last_sent.get(tok.channel_id)
                repeat = any(
                    m["channel_id"] == target
                    and m["sender"] == tok.channel_id
                    and m["content"] == content
                    and now - float(m["at"]) < SAME_MESSAGE_S
                    for m in svc.chat_log[-200:]
                )
                if repeat or (last is not None and now - last < MIN_GAP_S):
                    raise TrovoError(10908)
            message_id = secrets.token_hex(8)
            svc.last_sent[tok.channel_id] = now
            svc.chat[(target, message_id)] = tok.channel_id
            svc.chat_log.append(
                {
                    "message_id": message_id,
                    "channel_id": target,
                    "sender": tok.channel_id,
                    "content": content,
                    "at": str(now),
                }
            )
            del svc.chat_log[:-1000]
            svc.counters["chats_sent"] += 1
        return json_response({})

    async def delete(request: Request) -> Response:
        tok = svc.user_token(request, "manage_messages")
        p = request.path_params
        ch = svc.channel(p["channel_id"])
        operator = tok.channel_id
        is_owner = operator == ch.channel_id
        if not is_owner and operator not in _mod_ids(svc, ch.channel_id):
            raise TrovoError(10703, "No permission to delete this message")
        key = (ch.channel_id, p["message_id"])
        with svc.lock:
            sender = svc.chat.get(key)
            if sender is None:
                return json_response({})  # expired or never existed: nothing to show
            if sender != p["uid"]:
                raise TrovoError(
                    20000, "Delete failed. (System error / message id does not match sender uid)"
                )
            if not is_owner and sender == ch.channel_id:
                raise TrovoError(10703, "No permission to delete this message")
            del svc.chat[key]
            svc.counters["chats_deleted"] += 1
        return json_response({})

    async def command(request: Request) -> Response:
        tok = svc.user_token(request, "manage_messages")
        body = await svc.body(request)
        text = body.get("command")
        cid = body.get("channel_id", body.get("channelID"))
        if not isinstance(text, str) or not text.strip() or cid in (None, ""):
            raise TrovoError(1002)
        ch = svc.channel(as_int(cid, 0))
        verb, _, arg = text.strip().partition(" ")
        verb, arg = verb.lower(), arg.strip()
        with svc.lock:
            svc.counters["commands"] += 1
        is_owner = tok.channel_id == ch.channel_id
        if verb not in USER_COMMANDS | PLAIN_COMMANDS | {"settitle", "setcategory", "slow"}:
            return _result(False, f"Unrecognized command: /{verb}")
        if not is_owner and (
            verb in {"mod", "unmod"} or tok.channel_id not in _mod_ids(svc, ch.channel_id)
        ):
            return _result(False, "You have no permission to perform this command.")
        if verb == "settitle":
            if not arg:
                return _result(False, "Please enter a title.")
            with svc.lock:
                svc.overrides.setdefault(ch.channel_id, {})["live_title"] = arg
        elif verb == "setcategory":
            match = [c for c in CATEGORIES if arg.lower() in (c[1].lower(), c[2].lower())]
            if not match:
                return _result(False, f"Invalid category: {arg}")
            with svc.lock:
                svc.overrides.setdefault(ch.channel_id, {})["category_id"] = match[0][0]
        elif verb in USER_COMMANDS:
            name = arg.split(" ")[0].lstrip("@").lower()
            user = world.by_username.get(name)
            if user is None:
                return _result(False, f"Invalid username: {name}")
            with svc.lock:
                mods = svc.mods.setdefault(ch.channel_id, set())
                if verb == "mod":
                    mods.add(user.channel_id)
                elif verb == "unmod":
                    mods.discard(user.channel_id)
        elif verb == "slow" and not arg.isdigit():
            return _result(False, "Please enter a number of seconds.")
        return _result(True, "")

    e = svc.endpoint
    return [
        Route("/chat/send", e(send), methods=["POST"]),
        Route(
            "/channels/{channel_id}/messages/{message_id}/users/{uid}",
            e(delete),
            methods=["DELETE"],
        ),
        Route("/channels/command", e(command), methods=["POST"]),
    ]


def _mod_ids(svc: TrovoService, channel_id: str) -> set[str]:
    with svc.lock:
        return set(svc.mods.get(channel_id, ()))


def _result(ok: bool, message: str) -> Response:
    return json_response({"is_success": ok, "display_msg": message})
