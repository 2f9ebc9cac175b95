"""Shopee Open Platform's livestream API (v2.livestream.*) and its two token endpoints.

Faithful parts a friendly fake would skip (shopee-livestream.md, docs/providers/shopee.md):
every call is signed with HMAC-SHA256 and a timestamp valid 5 minutes by the sandbox clock;
access tokens last 4 h and refresh tokens work once; a non-empty ``error`` in the envelope is a
failure even with HTTP 200 (data errors come that way; signature and token errors with 403);
there is no list-sessions endpoint; session times are 13-digit milliseconds although the
reference text says seconds; comments are only served for the last 10 seconds.

Pinned where the reference is silent: write calls are GET with query parameters like the
reads, and list-valued parameters (``item_list``) are JSON in the query string.

This module holds the service (world, options, signature/token/call-limit checks) and the
route table; the endpoints live in ``tokens``, ``sessions``, ``items`` and ``comments``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.jsonresp import json_response
from sandbox.providers.base import ProviderService, ServiceContext
from sandbox.providers.shopee import comments, items, sessions, showcase, tokens
from sandbox.providers.shopee import world as w
from sandbox.providers.shopee.auth import TIMESTAMP_WINDOW_S, AuthError, TokenStore, sign
from sandbox.providers.shopee.calls import ApiError, Call, error_body, param_error, query_int
from sandbox.providers.shopee.regions import REGIONS
from sandbox.seeds import numeric_id, rng

LIVE = "/api/v2/livestream/"
TOKEN_GET = "/api/v2/auth/token/get"
TOKEN_REFRESH = "/api/v2/auth/access_token/get"
DEFAULT_PARTNER_ID = 2_001_887
DEFAULT_PARTNER_KEY = "shpk_sandbox_4a6f6e65735f6c697665"
ITEM_SET_NAMES = ("Best sellers", "New arrivals", "Under 100", "Bundle deals", "Clearance")

Handler = Callable[["ShopeeService", Call], dict[str, Any]]
Grant = Callable[["ShopeeService", dict[str, Any], float], dict[str, Any]]

TOKEN_ROUTES: dict[str, Grant] = {
    TOKEN_GET: tokens.token_get,
    TOKEN_REFRESH: tokens.token_refresh,
}

LIVE_ROUTES: dict[str, Handler] = {
    "create_session": sessions.create_session,
    "update_session": sessions.update_session,
    "start_session": sessions.start_session,
    "end_session": sessions.end_session,
    "get_session_detail": sessions.get_session_detail,
    "get_session_metric": sessions.get_session_metric,
    "get_session_item_metric": sessions.get_session_item_metric,
    "add_item_list": items.add_item_list,
    "delete_item_list": items.delete_item_list,
    "update_item_list": items.update_item_list,
    "get_item_list": items.get_item_list,
    "get_item_count": items.get_item_count,
    "update_show_item": items.update_show_item,
    "delete_show_item": items.delete_show_item,
    "get_show_item": items.get_show_item,
    "get_like_item_list": items.get_like_item_list,
    "get_recent_item_list": items.get_recent_item_list,
    "get_item_set_list": items.get_item_set_list,
    "get_item_set_item_list": items.get_item_set_item_list,
    "apply_item_set": items.apply_item_set,
    "get_latest_comment_list": comments.get_latest_comment_list,
    "post_comment": comments.post_comment,
    "ban_user_comment": comments.ban_user_comment,
    "unban_user_comment": comments.unban_user_comment,
}


class ShopeeService(ProviderService):
    """Served under ``/shopee``.

    Options: ``partner_id``, ``partner_key`` (the app's credentials), ``access_token_ttl_s``
    (default 14400), ``daily_call_limit`` (livestream calls per UTC+8 day, all users and APIs
    together, before ``error_limit``; default none), ``max_item_count`` (shopping bag limit,
    default 500), ``fault_status`` (the HTTP status of injected ``server_error`` and
    ``rate_limited`` answers, 200 for an envelope-only failure; default the fault's own),
    ``list_error_sessions`` (``env_config`` also lists ``showcase.error_sessions()``).

    ``showcase`` names a session for every case a source must handle (see ``showcase.py``).
    """

    name: ClassVar[str] = "shopee"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        seed = ctx.seed
        self.sellers = w.make_sellers(seed, ctx.scale)
        self.by_user = {s.user_id: s for s in self.sellers}
        self.catalogs = {s.user_id: w.make_catalog(seed, s) for s in self.sellers}
        self.item_index = {u: {i.item_id: i for i in c} for u, c in self.catalogs.items()}
        self.viewers = {region: w.viewers(seed, region) for region in REGIONS}
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
        self.lock = threading.Lock()
        self.sessions_created = 0
        self._calls: dict[str, int] = {}
        self._reserved = {showcase.missing_id(seed)}  # never a session: showcase.missing
        self.ensure_world(now)
        self.showcase = self._place_showcase(now)

    # --- framework hooks -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [
            Route(path, self._token_endpoint(path, grant), methods=["POST"])
            for path, grant in TOKEN_ROUTES.items()
        ]
        for api, handler in LIVE_ROUTES.items():
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
        env = {
            "SOURCES__SHOPEE__BASE_URL": base_url,
            "SOURCES__SHOPEE__PARTNER_ID": str(self.partner_id),
            "SOURCES__SHOPEE__PARTNER_KEY": self.partner_key,
            "SOURCES__SHOPEE__ACCOUNTS": orjson.dumps(accounts).decode(),
            "SOURCES__SHOPEE__SESSIONS": orjson.dumps(self.listed_sessions()).decode(),
        }
        # Shopee refuses a timestamp 5 minutes off its own clock; a frozen sandbox's clock is
        # days off this machine's, so tell the source how far (the documented key for a host
        # whose clock is off); 0 on real time.
        offset = self.ctx.clock.now() - time.time() if self.ctx.clock.frozen else 0.0
        env["SOURCES__SHOPEE__CLOCK_OFFSET_S"] = f"{offset:.0f}"
        return env

    def error_response(self, kind: str, status: int, retry_after: float) -> Response:
        """``error_server`` carries the message docs/providers/shopee.md quotes for it."""
        rid = uuid.uuid4().hex
        status = int(self.option("fault_status", status))
        if kind == "rate_limited":
            body = error_body("error_rate_limit", "Too many requests, please try again later", rid)
            headers = {"Retry-After": f"{max(retry_after, 0):.0f}"} if status == 429 else None
            return json_response(body, status, headers)
        body = error_body("error_server", "Too many requests, please try again later", rid)
        return json_response(body, status)

    def stats(self) -> dict[str, Any]:
        return {
            "token_refreshes": self.tokens.refreshes,
            "refresh_tokens_reused": self.tokens.reused,
            "sessions_created": self.sessions_created,
            "calls_today": self._calls.get(quota_day(self.ctx.clock.now()), 0),
        }

    # --- options and world -----------------------------------------------------------------

    def option(self, key: str, default: Any) -> Any:
        return self.ctx.state.knobs.options.get(key, default)

    @property
    def partner_id(self) -> int:
        return int(self.option("partner_id", DEFAULT_PARTNER_ID))

    @property
    def partner_key(self) -> str:
        return str(self.option("partner_key", DEFAULT_PARTNER_KEY))

    def auth_code(self, user_id: int) -> str:
        """The code a seller's authorisation redirect would carry (for token/get)."""
        return self.tokens.code_for(user_id)

    def cancel_authorization(self, user_id: int) -> None:
        """The seller unlinks the app (reference 3.2): their calls and refreshes answer
        ``error_auth`` "You are not authorized" from now on."""
        self.tokens.revoke(user_id)

    def expected_metric(self, session_id: int, at: float | None = None) -> dict[str, Any]:
        """What get_session_metric answers for the session at ``at`` (default: now)."""
        return w.session_metric(self.ctx.seed, self.sessions[session_id], self._ms(at))

    def expected_item_metrics(
        self, session_id: int, at: float | None = None
    ) -> list[dict[str, Any]]:
        """Every row get_session_item_metric pages through for the session at ``at``."""
        return w.item_metric_rows(self.ctx.seed, self.sessions[session_id], self._ms(at))

    def _ms(self, at: float | None) -> int:
        return int((self.ctx.clock.now() if at is None else at) * 1000)

    def _make_item_sets(self, seller: w.Seller) -> list[tuple[int, str, list[w.Item]]]:
        r = rng(self.ctx.seed, "shopee", "itemsets", seller.user_id)
        out = []
        for k in range(r.randint(3, 5)):
            set_id = int(numeric_id(self.ctx.seed, "shopee", "itemset", seller.user_id, k, 7))
            items = r.sample(self.catalogs[seller.user_id], r.randint(8, 60))
            out.append((set_id, ITEM_SET_NAMES[k], items))
        return out

    def free_id(self, session_id: int) -> int:
        """``session_id`` or the next id above it that no session has and none is kept for."""
        while session_id in self.sessions or session_id in self._reserved:
            session_id += 1
        return session_id

    def add_session(self, s: w.Session) -> None:
        """Take ``s`` into the world under a free id (call with the lock held)."""
        s.session_id = self.free_id(s.session_id)
        self.sessions[s.session_id] = s
        self.user_sessions[s.user_id].append(s)

    def ensure_world(self, now: float) -> None:
        """Generate sessions day by day up to two days ahead (created ahead of their start)."""
        target = w.utc_day(now) + timedelta(2)
        if self._generated_until >= target:
            return
        with self.lock:
            day = self._generated_until + timedelta(1)
            while day <= target:
                for seller in self.sellers:
                    for s in w.day_sessions(
                        self.ctx.seed, seller, day, self.catalogs[seller.user_id]
                    ):
                        self.add_session(s)
                day += timedelta(1)
            self._generated_until = target

    def _place_showcase(self, now: float) -> showcase.Showcase:
        planned = showcase.sessions(self.ctx.seed, self.sellers, self.catalogs, now)
        with self.lock:
            for s in planned.values():
                self.add_session(s)
        ids = {name: s.session_id for name, s in planned.items()}
        owner = self.sellers[0].user_id
        return showcase.Showcase(
            **ids,
            foreign={"user_id": owner, "session_id": ids["exactly_100"]},
            missing={"user_id": owner, "session_id": showcase.missing_id(self.ctx.seed)},
        )

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
        if self.option("list_error_sessions", False):
            out += self.showcase.error_sessions()
        return out

    # --- request plumbing ------------------------------------------------------------------

    def _endpoint(self, api_path: str, handler: Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            rid = uuid.uuid4().hex
            try:
                call = self._authenticate(request.query_params, api_path)
                body = handler(self, call)
            except ApiError as exc:
                return json_response(error_body(exc.error, exc.message, rid), exc.status)
            return json_response({"error": "", "message": "", "request_id": rid, "response": body})

        return endpoint

    def _token_endpoint(self, api_path: str, grant: Grant) -> Callable[[Request], Any]:
        """Token answers are flat: error, message, request_id beside the tokens."""

        async def endpoint(request: Request) -> Response:
            rid = uuid.uuid4().hex
            try:
                partner, now = self._check_signed(request.query_params, api_path)
                try:
                    body = orjson.loads(await request.body())
                except orjson.JSONDecodeError:
                    raise param_error("request body is not valid JSON.") from None
                if not isinstance(body, dict):
                    raise param_error("request body must be a JSON object.")
                if body.get("partner_id") != partner:
                    raise param_error("partner_id in body does not match the query.")
                result = grant(self, body, now)
            except ApiError as exc:
                return json_response(
                    {"error": exc.error, "message": exc.message, "request_id": rid}, exc.status
                )
            return json_response({"error": "", "message": "", "request_id": rid, **result})

        return endpoint

    def _check_signed(self, q: QueryParams, api_path: str, *extra: str) -> tuple[int, float]:
        """Common checks of every call: partner, timestamp window, signature."""
        for name in ("partner_id", "timestamp", *extra, "sign"):
            if not q.get(name):
                raise param_error(f"{name} is required.")
        partner = query_int(q, "partner_id")
        timestamp = query_int(q, "timestamp")
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
        user_id = query_int(q, "user_id")
        try:
            self.tokens.check_access(q["access_token"], user_id, now)
        except AuthError as exc:
            raise ApiError(exc.error, exc.message, 403) from None
        seller = self.by_user.get(user_id)
        if seller is None:
            raise ApiError("error_auth", "You are not authorized", 403)
        self._count_call(now)
        self.ensure_world(now)
        return Call(q, user_id, seller, now, int(now * 1000))

    def _count_call(self, now: float) -> None:
        limit = self.option("daily_call_limit", None)
        day = quota_day(now)
        with self.lock:
            used = self._calls.get(day, 0)
            if limit is not None and used >= int(limit):
                raise ApiError("error_limit", "Exceed the daily call limit of this api.", 403)
            self._calls[day] = used + 1

    # --- session lookups shared by the endpoints -------------------------------------------

    def session_of(self, call: Call) -> w.Session:
        sid = query_int(call.q, "session_id")
        s = self.sessions.get(sid)
        if s is None or s.create_ms > call.now_ms:
            raise ApiError("error_data", f"session_id {sid} is not exist.")
        if s.user_id != call.user_id:
            raise ApiError("error_data", f"session_id {sid} is not belong to you.")
        return s

    def writable_session(self, call: Call) -> w.Session:
        s = self.session_of(call)
        if s.status(call.now_ms) == 2:
            raise param_error(f"session_id {s.session_id} has ended.")
        return s

    def live_session(self, call: Call) -> w.Session:
        s = self.session_of(call)
        if s.status(call.now_ms) != 1:
            raise param_error(f"session_id {s.session_id} is not ongoing.")
        return s


def quota_day(now: float) -> str:
    """The day the daily call limit counts in: it resets at 00:00 UTC+8."""
    return w.utc_day(now + 8 * 3600).isoformat()
