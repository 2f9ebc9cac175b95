"""Item endpoints: a session's shopping bag, its show item, the seller's liked and recent
items, and item sets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from sandbox.providers.shopee import world as w
from sandbox.providers.shopee.calls import (
    ApiError,
    Call,
    listed,
    paged,
    param_error,
    query_int,
    query_page,
)

if TYPE_CHECKING:
    from sandbox.providers.shopee.service import ShopeeService

MAX_ITEM_COUNT = 500
SHOW_ROTATION_MS = 300_000


def _item_refs(svc: ShopeeService, call: Call, with_no: bool = False) -> list[tuple[w.Item, int]]:
    raw = call.q.get("item_list")
    if not raw:
        raise param_error("item_list is required.")
    try:
        refs = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise param_error("item_list must be a JSON list.") from None
    if not isinstance(refs, list) or not refs or not all(isinstance(r, dict) for r in refs):
        raise param_error("item_list must be a non-empty JSON list of objects.")
    catalog = svc.item_index[call.user_id]
    out = []
    for ref in refs:
        item_id, shop_id, item_no = ref.get("item_id"), ref.get("shop_id"), ref.get("item_no")
        if not isinstance(item_id, int) or not isinstance(shop_id, int):
            raise param_error("item_id and shop_id must be integers.")
        if with_no and not isinstance(item_no, int):
            raise param_error("item_no must be an integer.")
        item = catalog.get(item_id)
        if item is None or item.shop_id != shop_id:
            raise ApiError("error_data", f"item_id {item_id} is not exist.")
        out.append((item, item_no if isinstance(item_no, int) else 0))
    return out


def _add_items(svc: ShopeeService, s: w.Session, items: list[w.Item]) -> None:
    limit = int(svc.option("max_item_count", MAX_ITEM_COUNT))
    have = {i.item_id for i in s.items}
    fresh = [i for i in dict.fromkeys(items) if i.item_id not in have]
    if len(s.items) + len(fresh) > limit:
        raise param_error(f"the item count exceeds max_item_count {limit}.")
    s.items = [*s.items, *fresh]


def add_item_list(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.writable_session(call)
    refs = _item_refs(svc, call)
    with svc.lock:
        _add_items(svc, s, [item for item, _ in refs])
        s.api_update_ms = call.now_ms
    return {}


def delete_item_list(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.writable_session(call)
    gone = {item.item_id for item, _ in _item_refs(svc, call)}
    with svc.lock:
        s.items = [i for i in s.items if i.item_id not in gone]
        if s.show_item_id in gone:
            s.show_item_id, s.show_set = None, True
        s.api_update_ms = call.now_ms
    return {}


def update_item_list(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.writable_session(call)
    refs = _item_refs(svc, call, with_no=True)
    with svc.lock:
        items = list(s.items)
        ids = [i.item_id for i in items]
        for item, item_no in refs:
            if item.item_id not in ids:
                raise ApiError("error_data", f"item_id {item.item_id} is not in the session.")
            if not 1 <= item_no <= len(items):
                raise param_error(f"item_no must be between 1 and {len(items)}.")
        for item, item_no in refs:
            items.remove(item)
            items.insert(item_no - 1, item)
        s.items = items
        s.api_update_ms = call.now_ms
    return {}


def get_item_list(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.session_of(call)
    return listed(s.items, *query_page(call.q))


def get_item_count(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.session_of(call)
    limit = int(svc.option("max_item_count", MAX_ITEM_COUNT))
    return {"item_count": len(s.items), "max_item_count": limit}


def _show_item(s: w.Session, now_ms: int) -> w.Item | None:
    if s.show_set:
        return next((i for i in s.items if i.item_id == s.show_item_id), None)
    if s.status(now_ms) != 1 or not s.items or s.start_ms is None:
        return None
    return s.items[((now_ms - s.start_ms) // SHOW_ROTATION_MS) % len(s.items)]


def update_show_item(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.live_session(call)
    item_id, shop_id = query_int(call.q, "item_id"), query_int(call.q, "shop_id")
    if not any(i.item_id == item_id and i.shop_id == shop_id for i in s.items):
        raise ApiError("error_data", f"item_id {item_id} is not in the session.")
    with svc.lock:
        s.show_item_id, s.show_set = item_id, True
    return {}


def delete_show_item(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.live_session(call)
    with svc.lock:
        s.show_item_id, s.show_set = None, True
    return {}


def get_show_item(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.session_of(call)
    item = _show_item(s, call.now_ms)
    return {"has_show_item": item is not None, "item": item.public() if item else {}}


def get_like_item_list(svc: ShopeeService, call: Call) -> dict[str, Any]:
    return listed(svc.like_items[call.user_id], *query_page(call.q))


def get_recent_item_list(svc: ShopeeService, call: Call) -> dict[str, Any]:
    started = [
        s
        for s in svc.user_sessions[call.user_id]
        if s.start_ms is not None and s.start_ms <= call.now_ms
    ]
    recent = max(started, key=lambda s: s.start_ms or 0, default=None)
    return listed(recent.items if recent else [], *query_page(call.q))


def get_item_set_list(svc: ShopeeService, call: Call) -> dict[str, Any]:
    offset, size = query_page(call.q)
    sets = svc.item_sets[call.user_id]
    page = [
        {"item_set_id": sid, "name": name, "item_count": len(items)}
        for sid, name, items in sets[offset : offset + size]
    ]
    return paged(page, offset, len(sets))


def _item_set(svc: ShopeeService, call: Call) -> list[w.Item]:
    set_id = query_int(call.q, "item_set_id")
    for sid, _, items in svc.item_sets[call.user_id]:
        if sid == set_id:
            return items
    raise ApiError("error_data", f"item_set_id {set_id} is not exist.")


def get_item_set_item_list(svc: ShopeeService, call: Call) -> dict[str, Any]:
    items = _item_set(svc, call)
    return listed(items, *query_page(call.q))


def apply_item_set(svc: ShopeeService, call: Call) -> dict[str, Any]:
    s = svc.writable_session(call)
    items = _item_set(svc, call)
    with svc.lock:
        _add_items(svc, s, items)
        s.api_update_ms = call.now_ms
    return {}
