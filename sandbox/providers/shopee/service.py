"""Shopee Open Platform's livestream API (v2.livestream.*) and its two token endpoints.

Faithful parts a friendly fake would skip (shopee-livestream.md, CONTRACT-NOTES.md):
every call is signed with HMAC-SHA256 and a timestamp valid 5 minutes by the sandbox clock;
access tokens last 4 h and refresh tokens work once; a non-empty ``error`` in the envelope is a
failure even with HTTP 200 (data errors come that way; signature and token errors with 403);
there is no list-sessions endpoint; session times are 13-digit milliseconds although the
reference text says seconds; comments are only served for the last 10 seconds.

Pinned where the reference is silent: write calls are GET with query parameters like the
reads, and list-valued parameters (``item_list``) are JSON in the query string.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.jsonresp import json_response
from sandbox.providers.base import ProviderService, ServiceContext
from sandbox.providers.shopee import world as w
from sandbox.providers.shopee.auth import (
    ACCESS_TTL_S,
    TIMESTAMP_WINDOW_S,
    AuthError,
    TokenStore,
    sign,
)
from sandbox.seeds import numeric_id, rng

LIVE = "/api/v2/livestream/"
TOKEN_GET = "/api/v2/auth/token/get"
TOKEN_REFRESH = "/api/v2/auth/access_token/get"
DEFAULT_PARTNER_ID = 2_001_887
DEFAULT_PARTNER_KEY = "shpk_sandbox_4a6f6e65735f6c697665"
MAX_ITEM_COUNT = 500
COMMENT_WINDOW_MS = 10_000
SHOW_ROTATION_MS = 300_000
ITEM_SET_NAMES = ("Best sellers", "New arrivals", "Under 100", "Bundle deals", "Clearance")


class ApiError(Exception):
    """A Shopee error answer: envelope ``error``/``message`` and the HTTP status it comes with."""

    def __init__(self, error: str, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.status = status


def _param_error(message: str) -> ApiError:
    return ApiError("error_param", f"Wrong parameters, detail: {message}", 400)


@dataclass
class Call:
    q: QueryParams
    user_id: int
    seller: w.Seller
    now: float
    now_ms: int


Handler = Callable[[Call], dict[str, Any]]


def _error_body(error: str, message: str, request_id: str) -> dict[str, Any]:
    return {"error": error, "message": message, "request_id": request_id, "response": None}


class ShopeeService(ProviderService):
    """Served under ``/shopee``.

    Options: ``partner_id``, ``partner_key`` (the app's credentials), ``access_token_ttl_s``
    (default 14400), ``daily_call_limit`` (livestream calls per UTC+8 day before
    ``error_limit``; default none), ``max_item_count`` (shopping bag limit, default 500).
    """

    name: ClassVar[str] = "shopee"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        seed = ctx.seed
        self.sellers = w.make_sellers(seed, ctx.scale)
        self.by_user = {s.user_id: s for s in self.sellers}
        self.catalogs = {s.user_id: w.make_catalog(seed, s) for s in self.sellers}
        self.item_index = {u: {i.item_id: i for i in c} for u, c in self.catalogs.items()}
        self.viewers = {region: w.viewers(seed, region) for region in w.REGIONS}
        self.item_sets = {s.user_id: self._make_item_sets(s) for s in self.sellers}
        self.like_items = {
            s.user_id: rng(seed, "shopee", "likes", s.user_id).sample(self.catalogs[s.user_id], 36)
            for s in self.sellers
        }
        now = ctx.clock.now()
        self._first_day = w.utc_day(now) - timedelta(ctx.days)
        self._generated_until = self._first_day - timedelta(1)
        self.sessions: dict[int, w.Session] = {}
        self.user_sessions: dict[int, list[w.Session]] = {s.user_id: [] for s in self.sellers}
        self.tokens = TokenStore(seed, [s.user_id for s in self.sellers], now)
        self._lock = threading.Lock()
        self._created = 0
        self._calls: dict[str, int] = {}
        self._handlers: dict[str, Handler] = {
            "create_session": self.create_session,
            "update_session": self.update_session,
            "start_session": self.start_session,
            "end_session": self.end_session,
            "get_session_detail": self.get_session_detail,
            "get_session_metric": self.get_session_metric,
            "get_session_item_metric": self.get_session_item_metric,
            "add_item_list": self.add_item_list,
            "delete_item_list": self.delete_item_list,
            "update_item_list": self.update_item_list,
            "get_item_list": self.get_item_list,
            "get_item_count": self.get_item_count,
            "update_show_item": self.update_show_item,
            "delete_show_item": self.delete_show_item,
            "get_show_item": self.get_show_item,
            "get_like_item_list": self.get_like_item_list,
            "get_recent_item_list": self.get_recent_item_list,
            "get_item_set_list": self.get_item_set_list,
            "get_item_set_item_list": self.get_item_set_item_list,
            "apply_item_set": self.apply_item_set,
            "get_latest_comment_list": self.get_latest_comment_list,
            "post_comment": self.post_comment,
            "ban_user_comment": self.ban_user_comment,
            "unban_user_comment": self.unban_user_comment,
        }

    # --- framework hooks -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [
            Route(TOKEN_GET, self.token_get, methods=["POST"]),
            Route(TOKEN_REFRESH, self.token_refresh, methods=["POST"]),
        ]
        for api, handler in self._handlers.items():
            routes.append(Route(LIVE + api, self._endpoint(LIVE + api, handler), methods=["GET"]))
        return routes

    def env_config(self, base_url: str) -> dict[str, str]:
        accounts = [
            {
                "user_id": s.user_id,
                "refresh_token": self.tokens.initial[s.user_id],
                "region": s.region,
            }
            for s in self.sellers
        ]
        return {
            "SOURCES__SHOPEE__BASE_URL": base_url,
            "SOURCES__SHOPEE__PARTNER_ID": str(self.partner_id),
            "SOURCES__SHOPEE__PARTNER_KEY": self.partner_key,
            "SOURCES__SHOPEE__ACCOUNTS": orjson.dumps(accounts).decode(),
            "SOURCES__SHOPEE__SESSIONS": orjson.dumps(self.listed_sessions()).decode(),
        }

    def error_response(self, kind: str, status: int, retry_after: float) -> Response:
        rid = uuid.uuid4().hex
        if kind == "rate_limited":
            body = _error_body("error_rate_limit", "Too many requests, please try again later", rid)
            return json_response(body, 429, {"Retry-After": f"{max(retry_after, 0):.0f}"})
        body = _error_body("error_server", "Internal server error, please try again later.", rid)
        return json_response(body, status)

    def stats(self) -> dict[str, Any]:
        return {
            "token_refreshes": self.tokens.refreshes,
            "sessions_created": self._created,
            "calls_today": sum(self._calls.values()),
        }

    # --- options and world -----------------------------------------------------------------

    def _option(self, key: str, default: Any) -> Any:
        return self.ctx.state.knobs.options.get(key, default)

    @property
    def partner_id(self) -> int:
        return int(self._option("partner_id", DEFAULT_PARTNER_ID))

    @property
    def partner_key(self) -> str:
        return str(self._option("partner_key", DEFAULT_PARTNER_KEY))

    def auth_code(self, user_id: int) -> str:
        """The code a seller's authorisation redirect would carry (for token/get)."""
        return self.tokens.code_for(user_id)

    def _make_item_sets(self, seller: w.Seller) -> list[tuple[int, str, list[w.Item]]]:
        r = rng(self.ctx.seed, "shopee", "itemsets", seller.user_id)
        out = []
        for k in range(r.randint(3, 5)):
            set_id = int(numeric_id(self.ctx.seed, "shopee", "itemset", seller.user_id, k, 7))
            items = r.sample(self.catalogs[seller.user_id], r.randint(8, 60))
            out.append((set_id, ITEM_SET_NAMES[k], items))
        return out

    def ensure_world(self, now: float) -> None:
        """Generate sessions day by day up to two days ahead (created ahead of their start)."""
        target = w.utc_day(now) + timedelta(2)
        if self._generated_until >= target:
            return
        with self._lock:
            day = self._generated_until + timedelta(1)
            while day <= target:
                for seller in self.sellers:
                    for s in w.day_sessions(
                        self.ctx.seed, seller, day, self.catalogs[seller.user_id]
                    ):
                        while s.session_id in self.sessions:
                            s.session_id += 1
                        self.sessions[s.session_id] = s
                        self.user_sessions[seller.user_id].append(s)
                day += timedelta(1)
            self._generated_until = target

    def listed_sessions(self) -> list[dict[str, int]]:
        """The sessions of the past ``days`` days that exist by now (what config lists)."""
        now = self.ctx.clock.now()
        self.ensure_world(now)
        now_ms = int(now * 1000)
        since = w.day_start(w.utc_day(now) - timedelta(self.ctx.days)) * 1000
        out = []
        for seller in self.sellers:
            for s in self.user_sessions[seller.user_id]:
                if s.create_ms <= now_ms and (s.start_ms or s.create_ms) >= since:
                    out.append({"user_id": s.user_id, "session_id": s.session_id})
        return out

    # --- request plumbing ------------------------------------------------------------------

    def _endpoint(self, api_path: str, handler: Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            rid = uuid.uuid4().hex
            try:
                call = self._authenticate(request.query_params, api_path)
                body = handler(call)
            except ApiError as exc:
                return json_response(_error_body(exc.error, exc.message, rid), exc.status)
            return json_response({"error": "", "message": "", "request_id": rid, "response": body})

        return endpoint

    def _check_signed(self, q: QueryParams, api_path: str, *extra: str) -> tuple[int, float]:
        """Common checks of every call: partner, timestamp window, signature."""
        for name in ("partner_id", "timestamp", *extra, "sign"):
            if not q.get(name):
                raise _param_error(f"{name} is required.")
        partner = _int(q, "partner_id")
        timestamp = _int(q, "timestamp")
        if partner != self.partner_id:
            raise ApiError("error_auth", "Invalid partner_id.", 403)
        now = self.ctx.clock.now()
        if abs(now - timestamp) > TIMESTAMP_WINDOW_S:
            raise ApiError("error_param", "Invalid timestamp.", 403)
        expected = sign(
            self.partner_key, q["partner_id"], api_path, q["timestamp"], *(q[e] for e in extra)
        )
        if q["sign"] != expected:
            raise ApiError("error_sign", "Wrong sign.", 403)
        return partner, now

    def _authenticate(self, q: QueryParams, api_path: str) -> Call:
        _, now = self._check_signed(q, api_path, "access_token", "user_id")
        user_id = _int(q, "user_id")
        try:
            self.tokens.check_access(q["access_token"], user_id, now)
        except AuthError as exc:
            raise ApiError(exc.error, exc.message, 403) from None
        seller = self.by_user.get(user_id)
        if seller is None:
            raise ApiError("error_auth", "You are not authorized.", 403)
        self._count_call(now)
        self.ensure_world(now)
        return Call(q, user_id, seller, now, int(now * 1000))

    def _count_call(self, now: float) -> None:
        limit = self._option("daily_call_limit", None)
        day = w.utc_day(now + 8 * 3600).isoformat()  # the limit resets at 00:00 UTC+8
        with self._lock:
            used = self._calls.get(day, 0)
            if limit is not None and used >= int(limit):
                raise ApiError("error_limit", "Exceed the daily call limit of this api.", 403)
            self._calls[day] = used + 1

    def _session(self, call: Call) -> w.Session:
        sid = _int(call.q, "session_id")
        s = self.sessions.get(sid)
        if s is None or s.create_ms > call.now_ms:
            raise ApiError("error_data", f"session_id {sid} is not exist.")
        if s.user_id != call.user_id:
            raise ApiError("error_data", f"session_id {sid} is not belong to you.")
        return s

    def _writable(self, call: Call) -> w.Session:
        s = self._session(call)
        if s.status(call.now_ms) == 2:
            raise _param_error(f"session_id {s.session_id} has ended.")
        return s

    def _live(self, call: Call) -> w.Session:
        s = self._session(call)
        if s.status(call.now_ms) != 1:
            raise _param_error(f"session_id {s.session_id} is not ongoing.")
        return s

    # --- tokens ----------------------------------------------------------------------------

    async def token_get(self, request: Request) -> Response:
        async def grant(body: dict[str, Any], now: float) -> dict[str, Any]:
            code = body.get("code")
            if not isinstance(code, str) or not code:
                raise _param_error("code is required.")
            try:
                g = self.tokens.exchange_code(code, now, self._ttl())
            except AuthError as exc:
                raise ApiError(exc.error, exc.message, 403) from None
            seller = self.by_user[g.user_id]
            shop = body.get("shop_id")
            if shop is not None and shop != seller.shop_id:
                raise _param_error("shop_id is invalid.")
            return {
                "access_token": g.access_token,
                "refresh_token": g.refresh_token,
                "expire_in": g.expire_in,
                "user_id_list": [seller.user_id],
                "shop_id_list": [seller.shop_id],
            }

        return await self._token_call(request, TOKEN_GET, grant)

    async def token_refresh(self, request: Request) -> Response:
        async def grant(body: dict[str, Any], now: float) -> dict[str, Any]:
            token = body.get("refresh_token")
            user_id = body.get("user_id")
            if not isinstance(token, str) or not token:
                raise _param_error("refresh_token is required.")
            if not isinstance(user_id, int) or isinstance(user_id, bool):
                raise _param_error("user_id is required.")
            try:
                g = self.tokens.refresh(token, user_id, now, self._ttl())
            except AuthError as exc:
                raise ApiError(exc.error, exc.message, 403) from None
            return {
                "partner_id": self.partner_id,
                "user_id": g.user_id,
                "access_token": g.access_token,
                "refresh_token": g.refresh_token,
                "expire_in": g.expire_in,
            }

        return await self._token_call(request, TOKEN_REFRESH, grant)

    async def _token_call(
        self,
        request: Request,
        api_path: str,
        grant: Callable[[dict[str, Any], float], Any],
    ) -> Response:
        """Token answers are flat: error, message, request_id beside the tokens."""
        rid = uuid.uuid4().hex
        try:
            partner, now = self._check_signed(request.query_params, api_path)
            try:
                body = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                raise _param_error("request body is not valid JSON.") from None
            if not isinstance(body, dict):
                raise _param_error("request body must be a JSON object.")
            if body.get("partner_id") != partner:
                raise _param_error("partner_id in body does not match the query.")
            result = await grant(body, now)
        except ApiError as exc:
            return json_response(
                {"error": exc.error, "message": exc.message, "request_id": rid}, exc.status
            )
        return json_response({"error": "", "message": "", "request_id": rid, **result})

    def _ttl(self) -> int:
        return int(self._option("access_token_ttl_s", ACCESS_TTL_S))

    # --- sessions --------------------------------------------------------------------------

    def create_session(self, call: Call) -> dict[str, Any]:
        title = _text(call.q, "title", required=True)
        description = _text(call.q, "description", required=False)
        cover = _text(call.q, "cover_image_url", required=True)
        is_test = _bool(call.q, "is_test")
        with self._lock:
            self._created += 1
            n = self._created
            sid = int(numeric_id(self.ctx.seed, "shopee", "created", call.user_id, n, digits=10))
            while sid in self.sessions:
                sid += 1
            push_key, domain_id = w.stream_bits(self.ctx.seed, sid)
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
                audience=w.audience(self.ctx.seed, "created", sid),
                nominal_items=20,
                push_key=push_key,
                domain_id=domain_id,
                api_update_ms=call.now_ms,
                show_set=True,
            )
            self.sessions[sid] = s
            self.user_sessions[call.user_id].append(s)
        return {"session_id": sid}

    def update_session(self, call: Call) -> dict[str, Any]:
        s = self._writable(call)
        title = _text(call.q, "title", required=False)
        description = call.q.get("description")
        cover = _text(call.q, "cover_image_url", required=False)
        with self._lock:
            if title:
                s.title = title
            if description is not None:
                s.description = _text(call.q, "description", required=False)
            if cover:
                s.cover_image_url = cover
            if "is_test" in call.q:
                s.is_test = _bool(call.q, "is_test")
            s.api_update_ms = call.now_ms
        return {}

    def start_session(self, call: Call) -> dict[str, Any]:
        s = self._session(call)
        with self._lock:
            if s.status(call.now_ms) != 0:
                raise _param_error(f"session_id {s.session_id} cannot be started: not initial.")
            s.start_ms, s.end_ms, s.api_update_ms = call.now_ms, None, call.now_ms
        return {}

    def end_session(self, call: Call) -> dict[str, Any]:
        s = self._session(call)
        with self._lock:
            if s.status(call.now_ms) != 1:
                raise _param_error(f"session_id {s.session_id} cannot be ended: not ongoing.")
            s.end_ms, s.api_update_ms = call.now_ms, call.now_ms
        return {}

    def get_session_detail(self, call: Call) -> dict[str, Any]:
        s = self._session(call)
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

    def get_session_metric(self, call: Call) -> dict[str, Any]:
        return w.session_metric(self.ctx.seed, self._session(call), call.now_ms)

    def get_session_item_metric(self, call: Call) -> dict[str, Any]:
        s = self._session(call)
        offset, size = _page(call.q)
        rows = w.item_metrics(self.ctx.seed, s, call.now_ms)
        page = [
            {"item": it.public(), "metric": {"item_clicks": c, "atc": a, "sold_items": so}}
            for it, c, a, so in rows[offset : offset + size]
        ]
        return _paged(page, offset, len(rows))

    # --- items -----------------------------------------------------------------------------

    def _item_refs(self, call: Call, with_no: bool = False) -> list[tuple[w.Item, int]]:
        raw = call.q.get("item_list")
        if not raw:
            raise _param_error("item_list is required.")
        try:
            refs = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _param_error("item_list must be a JSON list.") from None
        if not isinstance(refs, list) or not refs or not all(isinstance(r, dict) for r in refs):
            raise _param_error("item_list must be a non-empty JSON list of objects.")
        catalog = self.item_index[call.user_id]
        out = []
        for ref in refs:
            item_id, shop_id, item_no = ref.get("item_id"), ref.get("shop_id"), ref.get("item_no")
            if not isinstance(item_id, int) or not isinstance(shop_id, int):
                raise _param_error("item_id and shop_id must be integers.")
            if with_no and not isinstance(item_no, int):
                raise _param_error("item_no must be an integer.")
            item = catalog.get(item_id)
            if item is None or item.shop_id != shop_id:
                raise ApiError("error_data", f"item_id {item_id} is not exist.")
            out.append((item, item_no if isinstance(item_no, int) else 0))
        return out

    def _add_items(self, s: w.Session, items: list[w.Item]) -> None:
        limit = int(self._option("max_item_count", MAX_ITEM_COUNT))
        have = {i.item_id for i in s.items}
        fresh = [i for i in dict.fromkeys(items) if i.item_id not in have]
        if len(s.items) + len(fresh) > limit:
            raise _param_error(f"the item count exceeds max_item_count {limit}.")
        s.items = [*s.items, *fresh]

    def add_item_list(self, call: Call) -> dict[str, Any]:
        s = self._writable(call)
        refs = self._item_refs(call)
        with self._lock:
            self._add_items(s, [item for item, _ in refs])
            s.api_update_ms = call.now_ms
        return {}

    def delete_item_list(self, call: Call) -> dict[str, Any]:
        s = self._writable(call)
        gone = {item.item_id for item, _ in self._item_refs(call)}
        with self._lock:
            s.items = [i for i in s.items if i.item_id not in gone]
            if s.show_item_id in gone:
                s.show_item_id, s.show_set = None, True
            s.api_update_ms = call.now_ms
        return {}

    def update_item_list(self, call: Call) -> dict[str, Any]:
        s = self._writable(call)
        refs = self._item_refs(call, with_no=True)
        with self._lock:
            items = list(s.items)
            ids = [i.item_id for i in items]
            for item, item_no in refs:
                if item.item_id not in ids:
                    raise ApiError("error_data", f"item_id {item.item_id} is not in the session.")
                if not 1 <= item_no <= len(items):
                    raise _param_error(f"item_no must be between 1 and {len(items)}.")
            for item, item_no in refs:
                items.remove(item)
                items.insert(item_no - 1, item)
            s.items = items
            s.api_update_ms = call.now_ms
        return {}

    def get_item_list(self, call: Call) -> dict[str, Any]:
        s = self._session(call)
        return _listed(s.items, *_page(call.q))

    def get_item_count(self, call: Call) -> dict[str, Any]:
        s = self._session(call)
        limit = int(self._option("max_item_count", MAX_ITEM_COUNT))
        return {"item_count": len(s.items), "max_item_count": limit}

    def _show_item(self, s: w.Session, now_ms: int) -> w.Item | None:
        if s.show_set:
            return next((i for i in s.items if i.item_id == s.show_item_id), None)
        if s.status(now_ms) != 1 or not s.items or s.start_ms is None:
            return None
        return s.items[((now_ms - s.start_ms) // SHOW_ROTATION_MS) % len(s.items)]

    def update_show_item(self, call: Call) -> dict[str, Any]:
        s = self._live(call)
        item_id, shop_id = _int(call.q, "item_id"), _int(call.q, "shop_id")
        if not any(i.item_id == item_id and i.shop_id == shop_id for i in s.items):
            raise ApiError("error_data", f"item_id {item_id} is not in the session.")
        with self._lock:
            s.show_item_id, s.show_set = item_id, True
        return {}

    def delete_show_item(self, call: Call) -> dict[str, Any]:
        s = self._live(call)
        with self._lock:
            s.show_item_id, s.show_set = None, True
        return {}

    def get_show_item(self, call: Call) -> dict[str, Any]:
        s = self._session(call)
        item = self._show_item(s, call.now_ms)
        return {"has_show_item": item is not None, "item": item.public() if item else {}}

    def get_like_item_list(self, call: Call) -> dict[str, Any]:
        return _listed(self.like_items[call.user_id], *_page(call.q))

    def get_recent_item_list(self, call: Call) -> dict[str, Any]:
        started = [
            s
            for s in self.user_sessions[call.user_id]
            if s.start_ms is not None and s.start_ms <= call.now_ms
        ]
        recent = max(started, key=lambda s: s.start_ms or 0, default=None)
        return _listed(recent.items if recent else [], *_page(call.q))

    def get_item_set_list(self, call: Call) -> dict[str, Any]:
        offset, size = _page(call.q)
        sets = self.item_sets[call.user_id]
        page = [
            {"item_set_id": sid, "name": name, "item_count": len(items)}
            for sid, name, items in sets[offset : offset + size]
        ]
        return _paged(page, offset, len(sets))

    def _item_set(self, call: Call) -> list[w.Item]:
        set_id = _int(call.q, "item_set_id")
        for sid, _, items in self.item_sets[call.user_id]:
            if sid == set_id:
                return items
        raise ApiError("error_data", f"item_set_id {set_id} is not exist.")

    def get_item_set_item_list(self, call: Call) -> dict[str, Any]:
        items = self._item_set(call)
        return _listed(items, *_page(call.q))

    def apply_item_set(self, call: Call) -> dict[str, Any]:
        s = self._writable(call)
        items = self._item_set(call)
        with self._lock:
            self._add_items(s, items)
            s.api_update_ms = call.now_ms
        return {}

    # --- comments --------------------------------------------------------------------------

    def get_latest_comment_list(self, call: Call) -> dict[str, Any]:
        s = self._session(call)
        after = _int(call.q, "offset") if call.q.get("offset") else 0
        size = _int(call.q, "page_size") if call.q.get("page_size") else 100
        if not 1 <= size <= 100:
            raise _param_error("page_size should be between 1 and 100.")
        comments = w.comments_between(
            self.ctx.seed,
            s,
            self.viewers[s.region],
            call.now_ms - COMMENT_WINDOW_MS,
            call.now_ms,
        )
        page = [c for c in comments if c["comment_id"] > after][:size]
        return {"next_offset": page[-1]["comment_id"] if page else after, "list": page}

    def post_comment(self, call: Call) -> dict[str, Any]:
        s = self._live(call)
        text = _text(call.q, "comment", required=True, limit=150)
        with self._lock:
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

    def ban_user_comment(self, call: Call) -> dict[str, Any]:
        s = self._writable(call)
        target = _int(call.q, "ban_user_id")
        with self._lock:
            s.banned.setdefault(target, call.now_ms)
        return {}

    def unban_user_comment(self, call: Call) -> dict[str, Any]:
        s = self._writable(call)
        target = _int(call.q, "unban_user_id")
        with self._lock:
            s.banned.pop(target, None)
        return {}


def _int(q: QueryParams, name: str) -> int:
    raw = q.get(name)
    if raw is None or raw == "":
        raise _param_error(f"{name} is required.")
    try:
        return int(raw)
    except ValueError:
        raise _param_error(f"{name} should be an integer.") from None


def _text(q: QueryParams, name: str, required: bool, limit: int = 200) -> str:
    value = q.get(name, "")
    if required and not value:
        raise _param_error(f"{name} is required.")
    if len(value) > limit:
        raise _param_error(f"{name} cannot exceed {limit} characters.")
    return value


def _bool(q: QueryParams, name: str) -> bool:
    raw = q.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise _param_error(f"{name} should be a boolean.")
    return raw in ("true", "1")


def _page(q: QueryParams) -> tuple[int, int]:
    offset, size = _int(q, "offset"), _int(q, "page_size")
    if offset < 0:
        raise _param_error("offset should not be negative.")
    if not 1 <= size <= 100:
        raise _param_error("page_size should be between 1 and 100.")
    return offset, size


def _paged(page: list[dict[str, Any]], offset: int, total: int) -> dict[str, Any]:
    nxt = offset + len(page)
    return {"more": nxt < total, "next_offset": nxt, "list": page}


def _listed(items: list[w.Item], offset: int, size: int) -> dict[str, Any]:
    page = [item.listed(offset + k + 1) for k, item in enumerate(items[offset : offset + size])]
    return _paged(page, offset, len(items))
