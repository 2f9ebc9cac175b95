"""Comment endpoints: the latest comments, posting one, banning and unbanning a viewer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.providers.shopee import world as w
from sandbox.providers.shopee.calls import Call, param_error, query_int, query_text

if TYPE_CHECKING:
    from sandbox.providers.shopee.service import ShopeeService

COMMENT_WINDOW_MS = 10_000


def get_latest_comment_list(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.session_of(call)
    after = query_int(call.q, "offset") if call.q.get("offset") else 0
    size = query_int(call.q, "page_size") if call.q.get("page_size") else 100
    if not 1 <= size <= 100:
        raise param_error("page_size should be between 1 and 100.")
    comments = w.comments_between(
        svc.ctx.seed,
        s,
        svc.viewers[s.region],
        call.now_ms - COMMENT_WINDOW_MS,
        call.now_ms,
    )
    page = [c for c in comments if c["comment_id"] > after][:size]
    return {"next_offset": page[-1]["comment_id"] if page else after, "list": page}


def post_comment(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.live_session(call)
    text = query_text(call.q, "comment", required=True, limit=150)
    with svc.lock:
        sec = call.now_ms // 1000
        n = sum(1 for c in s.posted if c["comment_id"] // 10_000 == sec)
        s.posted.append(
            {
                "comment_id": sec * 10_000 + 9_000 + n,
                "content": text,
                "timestamp": call.now_ms,
                "user_id": call.user_id,
                "username": call.seller.username,
            }
        )
    return {}


def ban_user_comment(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.writable_session(call)
    target = query_int(call.q, "ban_user_id")
    with svc.lock:
        s.banned.setdefault(target, call.now_ms)
    return {}


def unban_user_comment(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.writable_session(call)
    target = query_int(call.q, "unban_user_id")
    with svc.lock:
        s.banned.pop(target, None)
    return {}
