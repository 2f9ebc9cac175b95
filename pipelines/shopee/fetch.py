"""One configured session, fetched: its detail, and for a session of the window its metrics,
item metrics and item list. The unit of work ``fan_out`` runs a few at once.

Shopee has no list endpoint, so a run reads the detail of every configured session to learn
its date, and spends the other calls only on the sessions of its window. A failure reaches as
far as its cause: ``error_data`` skips one session, a request that outlasted its retries or a
damaged answer sends the session round again after the others (``fan_out_retrying``), a
refused token or the daily limit stops one account, a refused signature stops the run
(``AppRefused`` sets the shared stop flag).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import TypeAdapter

from pipelines.errors import MalformedResponse, ProviderError
from pipelines.outage import retry_later
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.errors import AppRefused, SessionUnavailable
from pipelines.shopee.schema import (
    DETAIL,
    ITEM_LIST_PAGE,
    ITEM_METRIC_PAGE,
    METRIC,
    Envelope,
    Item,
    ItemMetricRow,
    ListedItem,
    Page,
    SessionDetail,
    SessionMetric,
)
from pipelines.shopee.settings import (
    LIVE,
    MAX_PAGES,
    PAGE_SIZE,
    PROVIDER,
    Account,
    ConfiguredSession,
)
from pipelines.units import unix_seconds

R = TypeVar("R")
DETAIL_ENDPOINT = f"GET {LIVE}get_session_detail"
Row = dict[str, Any]


@dataclass(frozen=True)
class Window:
    """[start, end) in unix seconds: the sessions whose date column falls inside."""

    start: int
    end: int

    def __contains__(self, ts: int) -> bool:
        return self.start <= ts < self.end


@dataclass
class SessionResult:
    """What was read of one configured session; a None list was not (fully) read."""

    configured: ConfiguredSession
    session: Row | None = None
    in_window: bool = False
    metric: Row | None = None
    item_metrics: list[Row] | None = None
    items: list[Row] | None = None
    pages: int = 0
    skipped: str | None = None  # error_data: the warning naming the session
    error: ProviderError | None = None
    not_read: bool = False  # its account or the run had stopped before it was reached


def fetch_session(
    api: ShopeeApi,
    configured: ConfiguredSession,
    window: Window,
    stop: threading.Event,
) -> SessionResult:
    result = SessionResult(configured)
    uid, sid = configured.user_id, configured.session_id
    if stop.is_set() or api.refused is not None or api.stopped(uid):
        result.not_read = True
        return result
    account = api.accounts[uid]
    try:
        detail = api.get(uid, "get_session_detail", DETAIL, session_id=sid)
        result.pages += 1
        row = session_row(account, sid, detail)
        result.session = row
        if row["session_start"] not in window:
            return result
        result.in_window = True
        metric = api.get(uid, "get_session_metric", METRIC, session_id=sid)
        result.pages += 1
        result.metric = {**_keys(row), "currency": account.currency, **_metric(metric)}
        rows = _paged(api, result, "get_session_item_metric", ITEM_METRIC_PAGE)
        result.item_metrics = [item_metric_row(account, row, r) for r in rows]
        listed = _paged(api, result, "get_item_list", ITEM_LIST_PAGE)
        result.items = [item_row(account, row, r) for r in listed]
    except SessionUnavailable as exc:
        result.skipped = f"{PROVIDER}: session {sid} of user {uid} skipped: {exc.cause}"
    except ProviderError as exc:
        result.error = exc
        if isinstance(exc, AppRefused):
            stop.set()  # every call would be refused alike
        elif not retry_later(exc):
            api.stop_account(uid, exc)  # tried again after the others when it is this one's
    return result


def _paged(
    api: ShopeeApi,
    result: SessionResult,
    name: str,
    adapter: TypeAdapter[Envelope[Page[R]]],
) -> list[R]:
    """Every record of an offset-paged list, page_size 100, until ``more`` is false."""
    uid, sid = result.configured.user_id, result.configured.session_id
    rows: list[R] = []
    offset = 0
    for _ in range(MAX_PAGES):
        page = api.get(uid, name, adapter, session_id=sid, offset=offset, page_size=PAGE_SIZE)
        result.pages += 1
        got = page.get("list") or []
        rows.extend(got)
        if not page["more"]:
            return rows
        following = page.get("next_offset")
        following = offset + len(got) if following is None else following
        if following <= offset:
            why = f"malformed response: more at offset {offset} but next_offset {following}"
            raise MalformedResponse(PROVIDER, f"GET {LIVE}{name}", why)
        offset = following
    raise MalformedResponse(PROVIDER, f"GET {LIVE}{name}", f"more than {MAX_PAGES} pages")


def session_row(account: Account, session_id: int, detail: SessionDetail) -> Row:
    """The sessions row: times in unix seconds (Shopee sends 13-digit milliseconds although
    its reference says seconds; both are read), dated by start, else by creation."""
    if detail["session_id"] != session_id:
        raise MalformedResponse(
            PROVIDER,
            DETAIL_ENDPOINT,
            f"malformed response: asked for session {session_id}, got {detail['session_id']}",
        )
    created = unix_seconds(detail["create_time"])
    started = unix_seconds(detail.get("start_time"))
    anchor = started or created
    if anchor is None:
        raise MalformedResponse(
            PROVIDER,
            DETAIL_ENDPOINT,
            f"malformed response: session {session_id} has neither start_time nor create_time",
        )
    return {
        "user_id": account.user_id,
        "session_id": session_id,
        "session_start": anchor,
        "title": detail.get("title"),
        "description": detail.get("description"),
        "status": detail["status"],
        "is_test": detail.get("is_test"),
        "create_time": created,
        "update_time": unix_seconds(detail.get("update_time")),
        "start_time": started,
        "end_time": unix_seconds(detail.get("end_time")),
        "cover_image_url": detail.get("cover_image_url"),
        "share_url": detail.get("share_url"),
        "region": account.region,
        "currency": account.currency,
    }


def _keys(session: Row) -> Row:
    return {k: session[k] for k in ("user_id", "session_id", "session_start")}


def _metric(metric: SessionMetric) -> Row:
    return {name: metric.get(name) for name in SessionMetric.__annotations__}


def _item(account: Account, item: Item) -> Row:
    price = item.get("price_info") or {}
    return {
        "item_id": item["item_id"],
        "shop_id": item.get("shop_id"),
        "name": item.get("name"),
        "image_url": item.get("image_url"),
        "currency": price.get("currency") or account.currency,
        "current_price": price.get("current_price"),
        "original_price": price.get("original_price"),
    }


def item_metric_row(account: Account, session: Row, row: ItemMetricRow) -> Row:
    metric = row.get("metric") or {}
    return {
        **_keys(session),
        **_item(account, row["item"]),
        "item_clicks": metric.get("item_clicks"),
        "atc": metric.get("atc"),
        "sold_items": metric.get("sold_items"),
    }


def item_row(account: Account, session: Row, item: ListedItem) -> Row:
    affiliate = item.get("affiliate_info") or {}
    return {
        **_keys(session),
        "item_no": item.get("item_no"),
        **_item(account, item),
        "commission_rate": affiliate.get("commission_rate"),
        "is_campaign": affiliate.get("is_campaign"),
        "campaign_mcn_name": affiliate.get("campaign_mcn_name"),
        "campaign_start_time": unix_seconds(affiliate.get("campaign_start_time")),
        "campaign_end_time": unix_seconds(affiliate.get("campaign_end_time")),
    }
