"""Session endpoints: create, update, start and end a session; its detail and metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.providers.shopee import world as w
from sandbox.providers.shopee.calls import (
    Call,
    paged,
    param_error,
    query_bool,
    query_page,
    query_text,
)
from sandbox.seeds import numeric_id

if TYPE_CHECKING:
    from sandbox.providers.shopee.service import ShopeeService


def create_session(svc: ShopeeService, call: Call) -> dict[str, Any]:
    title = query_text(call.q, "title", required=True)
    description = query_text(call.q, "description", required=False)
    cover = query_text(call.q, "cover_image_url", required=True)
    is_test = query_bool(call.q, "is_test")
    with svc.lock:
        svc.sessions_created += 1
        n = svc.sessions_created
        sid = svc.free_id(
            int(numeric_id(svc.ctx.seed, "shopee", "created", call.user_id, n, digits=10))
        )
        push_key, domain_id = w.stream_bits(svc.ctx.seed, sid)
        s = w.Session(
            session_id=sid,
            user_id=call.user_id,
            region=call.seller.region,
            title=title,
            description=description,
            cover_image_url=cover,
            is_test=is_test,
            create_ms=call.now_ms,
            start_ms=None,
            end_ms=None,
            duration_ms=w.NOMINAL_MS,
            items=[],
            audience=w.audience(svc.ctx.seed, "created", sid),
            nominal_items=20,
            push_key=push_key,
            domain_id=domain_id,
            api_update_ms=call.now_ms,
            show_set=True,
        )
        svc.add_session(s)
    return {"session_id": sid}


def update_session(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.writable_session(call)
    title = query_text(call.q, "title", required=False)
    description = call.q.get("description")
    cover = query_text(call.q, "cover_image_url", required=False)
    with svc.lock:
        if title:
            s.title = title
        if description is not None:
            s.description = query_text(call.q, "description", required=False)
        if cover:
            s.cover_image_url = cover
        if "is_test" in call.q:
            s.is_test = query_bool(call.q, "is_test")
        s.api_update_ms = call.now_ms
    return {}


def start_session(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.session_of(call)
    with svc.lock:
        if s.status(call.now_ms) != 0:
            raise param_error(f"session_id {s.session_id} cannot be started: not initial.")
        s.start_ms, s.end_ms, s.api_update_ms = call.now_ms, None, call.now_ms
    return {}


def end_session(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.session_of(call)
    with svc.lock:
        if s.status(call.now_ms) != 1:
            raise param_error(f"session_id {s.session_id} cannot be ended: not ongoing.")
        s.end_ms, s.api_update_ms = call.now_ms, call.now_ms
    return {}


def get_session_detail(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.session_of(call)
    now_ms = call.now_ms
    status = s.status(now_ms)
    return {
        "session_id": s.session_id,
        "title": s.title,
        "description": s.description,
        "cover_image_url": s.cover_image_url,
        "status": status,
        "share_url": f"https://live.shopee-sandbox.example/share?session={s.session_id}",
        "is_test": s.is_test,
        "create_time": s.create_ms,
        "update_time": s.update_ms(now_ms),
        "start_time": s.start_ms if status >= 1 and s.start_ms is not None else 0,
        "end_time": s.end_ms if status == 2 and s.end_ms is not None else 0,
        "stream_url_list": {
            "push_url": f"rtmp://push-sandbox.shopee.example/live/{s.session_id}",
            "push_key": s.push_key,
            "play_url": f"https://play-sandbox.shopee.example/live/{s.session_id}.flv",
            "domain_id": s.domain_id,
        },
    }


def get_session_metric(svc: ShopeeService, call: Call) -> dict[str, Any]:
    return w.session_metric(svc.ctx.seed, svc.session_of(call), call.now_ms)


def get_session_item_metric(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.session_of(call)
    offset, size = query_page(call.q)
    rows = w.item_metric_rows(svc.ctx.seed, s, call.now_ms)
    return paged(rows[offset : offset + size], offset, len(rows))
