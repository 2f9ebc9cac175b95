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

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.calls import TrovoError, as_int, json_body
from sandbox.providers.trovo.catalog import CATEGORIES
from sandbox.providers.trovo.world import Channel

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService

SAME_MESSAGE_S = 30.0
MIN_GAP_S = 1.0
USER_COMMANDS = {"mod", "unmod", "ban", "unban", "timeout", "vip", "unvip", "host"}
PLAIN_COMMANDS = {
    "clear", "slowoff", "followers", "followersoff", "subscribers", "subscribersoff", "unhost",
}  # fmt: skip
KNOWN_COMMANDS = USER_COMMANDS | PLAIN_COMMANDS | {"settitle", "setcategory", "slow"}
NO_PERMISSION = "No permission to delete this message"


def _mod_ids(svc: TrovoService, channel_id: str) -> set[str]:
    with svc.lock:
        return set(svc.mods.get(channel_id, ()))


def _result(ok: bool, message: str) -> Response:
    return json_response({"is_success": ok, "display_msg": message})


def _spamming(svc: TrovoService, sender: str, target: str, content: str, now: float) -> bool:
    """A repeat to the channel within 30 s, or any message within 1 s (lock held)."""
    last = svc.last_sent.get(sender)
    repeat = any(
        m["channel_id"] == target
        and m["sender"] == sender
        and m["content"] == content
        and now - float(m["at"]) < SAME_MESSAGE_S
        for m in svc.chat_log[-200:]
    )
    return repeat or (last is not None and now - last < MIN_GAP_S)


async def send(svc: TrovoService, request: Request) -> Response:
    tok = svc.user_token(request, "chat_send_self")
    body = await json_body(request)
    content = body.get("content")
    if not isinstance(content, str) or not content.strip() or len(content) > 300:
        raise TrovoError(1002)
    sender, target = tok.channel_id, tok.channel_id
    if body.get("channel_id") not in (None, ""):
        target = svc.channel(as_int(body["channel_id"], 0)).channel_id
    now = svc.now()
    if target != sender and not svc.tokens.holders_of(target, "send_to_my_channel", now):
        raise TrovoError(11707)
    privileged = target == sender or sender in _mod_ids(svc, target)
    with svc.lock:
        if not privileged and _spamming(svc, sender, target, content, now):
            raise TrovoError(10908)
        message_id = secrets.token_hex(8)
        svc.last_sent[sender] = now
        svc.chat[(target, message_id)] = sender
        svc.chat_log.append(
            {
                "message_id": message_id,
                "channel_id": target,
                "sender": sender,
                "content": content,
                "at": str(now),
            }
        )
        del svc.chat_log[:-1000]
        svc.counters["chats_sent"] += 1
    return json_response({})


async def delete(svc: TrovoService, request: Request) -> Response:
    tok = svc.user_token(request, "manage_messages")
    p = request.path_params
    ch = svc.channel(p["channel_id"])
    operator = tok.channel_id
    is_owner = operator == ch.channel_id
    if not is_owner and operator not in _mod_ids(svc, ch.channel_id):
        raise TrovoError(10703, NO_PERMISSION)
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
            raise TrovoError(10703, NO_PERMISSION)
        del svc.chat[key]
        svc.counters["chats_deleted"] += 1
    return json_response({})


def _perform(svc: TrovoService, ch: Channel, verb: str, arg: str) -> Response:
    """Carry out a command the caller may perform; a bad argument is ``is_success: false``."""
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
        user = svc.world.by_username.get(name)
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


async def command(svc: TrovoService, request: Request) -> Response:
    """The streamer may run any command, a mod all but (un)mod. The table names the channel
    ``channelID``, the sample sends ``channel_id``: both are taken."""
    tok = svc.user_token(request, "manage_messages")
    body = await json_body(request)
    text = body.get("command")
    cid = body.get("channel_id", body.get("channelID"))
    if not isinstance(text, str) or not text.strip() or cid in (None, ""):
        raise TrovoError(1002)
    ch = svc.channel(as_int(cid, 0))
    verb, _, arg = text.strip().partition(" ")
    verb, arg = verb.lower(), arg.strip()
    with svc.lock:
        svc.counters["commands"] += 1
    if verb not in KNOWN_COMMANDS:
        return _result(False, f"Unrecognized command: /{verb}")
    if tok.channel_id != ch.channel_id and (
        verb in {"mod", "unmod"} or tok.channel_id not in _mod_ids(svc, ch.channel_id)
    ):
        return _result(False, "You have no permission to perform this command.")
    return _perform(svc, ch, verb, arg)
