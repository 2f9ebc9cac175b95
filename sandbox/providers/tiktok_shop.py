"""KeyAPI's TikTok Shop livestream analytics, as tiktok-shop-livestreams-keyapi.md describes it.

Faithful parts a friendly fake would skip: Bearer key checked (401 bodies as documented),
``page_size`` above 10 is a 400, every answered request costs a credit and an optional budget
ends in 402, an optional QPS limit answers 429, there is no total and no has-more flag, and
the default order is newest first (docs/providers/tiktok_shop.md's pinned assumption).

GMV is in the currency of the seller's region: whole units for currencies without minor
units (IDR, VND), two decimals otherwise.
"""

from __future__ import annotations

import math
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.jsonresp import json_response
from sandbox.providers.base import ProviderService, ServiceContext
from sandbox.seeds import numeric_id, rng

PATH = "/v1/tiktok/shop/livestreams/analytics"
DEFAULT_API_KEY = "sk_live_sandbox_tiktok_0001"
REGIONS = ("US", "GB", "ID", "TH", "MY", "VN", "PH", "SG", "MX")
# Typical unit price per region in local currency, and the currency's decimals.
UNIT_PRICE = {
    "US": 24.0,
    "GB": 19.0,
    "ID": 145_000.0,
    "TH": 590.0,
    "MY": 75.0,
    "VN": 320_000.0,
    "PH": 950.0,
    "SG": 32.0,
    "MX": 410.0,
}
ZERO_DECIMALS = {"ID", "VN"}
# (seller, day) lists of sessions kept for the pages that follow: a year at scale 25 is 100
# sellers and 55,000 sessions, a quarter of a gigabyte kept whole; a page newest first needs
# only the days down to it.
DAYS_KEPT = 4096
SORT_FIELDS = {1: "total_views_cnt", 2: "total_sale_cnt", 3: "total_sale_gmv_amt"}
TITLES = (
    "Flash Sale Friday",
    "New Arrivals Live",
    "Beauty Haul",
    "Kitchen Gadgets Demo",
    "Mega Deals Night",
    "Fashion Try-On",
    "Skincare Q&A",
    "Gaming Gear Drop",
)


def sellers(seed: int, scale: int) -> list[dict[str, str]]:
    """The world's TikTok Shop sellers: four per unit of scale, regions in rotation."""
    out = []
    for i in range(4 * max(scale, 1)):
        region = REGIONS[i % len(REGIONS)]
        out.append(
            {
                "seller_id": numeric_id(seed, "tiktok_shop", "seller", i),
                "user_id": numeric_id(seed, "tiktok_shop", "user", i),
                "nick_name": f"shop_{region.lower()}_{i:03d}",
                "region": region,
            }
        )
    return out


def day_sessions(seed: int, seller: dict[str, str], day: date) -> list[dict[str, Any]]:
    """The livestreams a seller started on one UTC day (stable whatever else is asked)."""
    r = rng(seed, "tiktok_shop", "day", seller["seller_id"], day.isoformat())
    region = seller["region"]
    day_start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    starts = sorted(r.randrange(0, 86_400 - 60) for _ in range(r.choice((0, 1, 1, 2, 2, 3))))
    out = []
    for k, offset in enumerate(starts):
        create = day_start + offset
        duration = int(r.triangular(1_200, 14_400, 3_600))
        views = int(math.exp(r.gauss(8.0, 1.1)))
        joins = int(views * r.uniform(0.55, 0.9))
        peak = max(1, int(views * r.uniform(0.04, 0.2)))
        sold = 0 if r.random() < 0.12 else int(views * r.uniform(0.002, 0.03))
        gmv = sold * UNIT_PRICE[region] * r.uniform(0.6, 1.6)
        gmv = float(round(gmv)) if region in ZERO_DECIMALS else round(gmv, 2)
        room = numeric_id(seed, "tiktok_shop", "room", seller["seller_id"], day.isoformat(), k)
        out.append(
            {
                "avatar": f"https://p16-sandbox.tiktokcdn.example/avt/{seller['user_id']}.webp",
                "cover_url": f"https://p16-sandbox.tiktokcdn.example/cover/{room}.webp",
                "create_time": create,
                "duration": duration,
                "finish_time": create + duration,
                "max_views_cnt": peak,
                "nick_name": seller["nick_name"],
                "region": region,
                "room_id": room,
                "seller_id": seller["seller_id"],
                "title": f"{r.choice(TITLES)} #{k + 1}",
                "total_joins_cnt": joins,
                "total_sale_cnt": sold,
                "total_sale_gmv_amt": int(gmv) if region in ZERO_DECIMALS else gmv,
                "total_views_cnt": views,
                "user_id": seller["user_id"],
            }
        )
    return out


def _error(code: int, message: str) -> Response:
    return json_response({"code": code, "data": None, "message": message}, code)


class TikTokShopService(ProviderService):
    """``GET /tiktok_shop/v1/tiktok/shop/livestreams/analytics``.

    Options: ``api_key`` (the key it accepts), ``credit_budget`` (credits before 402),
    ``default_order`` (``newest_first``, ``oldest_first`` or ``shuffled``: the unsorted order).
    """

    name: ClassVar[str] = "tiktok_shop"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.sellers = {s["seller_id"]: s for s in sellers(ctx.seed, ctx.scale)}
        self._days: dict[tuple[str, date], list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.credits_used = 0

    def routes(self) -> list[BaseRoute]:
        return [Route(PATH, self.analytics)]

    def env_config(self, base_url: str) -> dict[str, str]:
        import orjson

        return {
            "SOURCES__TIKTOK_SHOP__BASE_URL": base_url,
            "SOURCES__TIKTOK_SHOP__API_KEY": self._option("api_key", DEFAULT_API_KEY),
            "SOURCES__TIKTOK_SHOP__SELLER_IDS": orjson.dumps(list(self.sellers)).decode(),
        }

    def error_response(self, kind: str, status: int, retry_after: float) -> Response:
        if kind == "rate_limited":
            return _error(429, "qps limit exceeded")
        return json_response(
            {"code": status, "data": None, "message": "Internal server error"}, status
        )

    def stats(self) -> dict[str, Any]:
        return {"credits_used": self.credits_used}

    def _option(self, key: str, default: Any) -> Any:
        return self.ctx.state.knobs.options.get(key, default)

    def _charge(self) -> bool:
        budget = self._option("credit_budget", None)
        with self._lock:
            if budget is not None and self.credits_used >= budget:
                return False
            self.credits_used += 1
            return True

    def seller_sessions(self, seller_id: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Finished livestreams of the world's past ``days`` days, newest first; with
        ``limit``, the first ``limit`` of them (the days down to them are all that is made)."""
        if seller_id not in self.sellers:
            return []
        now = self.ctx.clock.now()
        today = datetime.fromtimestamp(now, tz=UTC).date()
        days = (self._day(seller_id, today - timedelta(back)) for back in range(self.ctx.days + 1))
        out: list[dict[str, Any]] = []
        everything: bool | None = None  # the newest is finished: the list is served whole
        for sessions in days:
            if everything is None and sessions:
                everything = sessions[0]["finish_time"] <= now
            out.extend(sessions if everything else (s for s in sessions if s["finish_time"] <= now))
            if limit is not None and len(out) >= limit:
                break
        return out

    def _day(self, seller_id: str, day: date) -> list[dict[str, Any]]:
        """A seller's sessions of one day, newest first; the latest days asked for are kept."""
        key = (seller_id, day)
        with self._lock:
            sessions = self._days.pop(key, None)
        if sessions is None:
            sessions = day_sessions(self.ctx.seed, self.sellers[seller_id], day)[::-1]
        with self._lock:
            while len(self._days) >= DAYS_KEPT:  # the day asked about longest ago goes
                del self._days[next(iter(self._days))]
            self._days[key] = sessions
        return sessions

    async def analytics(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return _error(401, "apiKey is null")
        if auth[7:].strip() != self._option("api_key", DEFAULT_API_KEY):
            return _error(401, "apiKey is invalid")
        query = request.query_params
        problem, params = _parse(query)
        if not self._charge():
            return _error(402, "apiKey quota is not enough")
        if problem:
            return _error(400, problem)
        order = self._option("default_order", "newest_first")
        newest = params["sort_field"] is None and order == "newest_first"
        last = params["page_num"] * params["page_size"]
        rows = self.seller_sessions(params["seller_id"], last if newest else None)
        if params["sort_field"] is None and order != "newest_first":
            # docs/providers/tiktok_shop.md only assumes newest first; these let tests prove sources
            # stay correct when a real feed comes back in another order.
            rows = rows[::-1] if order == "oldest_first" else _shuffled(rows, self.ctx.seed)
        elif params["sort_field"] is not None:
            key = SORT_FIELDS[params["sort_field"]]
            rows = sorted(rows, key=lambda s: s[key], reverse=params["sort_type"] == 1)
        size = params["page_size"]
        page = rows[(params["page_num"] - 1) * size : params["page_num"] * size]
        return json_response(
            {"code": 0, "message": "success", "data": page, "requestId": str(uuid.uuid4())}
        )


def _shuffled(rows: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    out = list(rows)
    rng(seed, "tiktok_shop", "shuffle").shuffle(out)
    return out


def _parse(query: Any) -> tuple[str | None, dict[str, Any]]:
    """Validate the query as KeyAPI does; returns (problem, parsed)."""
    params: dict[str, Any] = {"sort_field": None, "sort_type": 1}
    for name in ("seller_id", "page_num", "page_size"):
        if not query.get(name):
            return f"Missing required parameter: {name}", params
    params["seller_id"] = query["seller_id"]
    try:
        params["page_num"] = int(query["page_num"])
        params["page_size"] = int(query["page_size"])
        if query.get("seller_live_sort_field"):
            params["sort_field"] = int(query["seller_live_sort_field"])
        if query.get("sort_type"):
            params["sort_type"] = int(query["sort_type"])
    except ValueError:
        return "Invalid parameter: expected an integer", params
    if not 1 <= params["page_num"] <= 100_000:
        return "page_num must be between 1 and 100000", params
    if not 1 <= params["page_size"] <= 10:
        return "page_size must be between 1 and 10", params
    if params["sort_field"] is not None and params["sort_field"] not in SORT_FIELDS:
        return "seller_live_sort_field must be 1, 2 or 3", params
    if params["sort_type"] not in (0, 1):
        return "sort_type must be 0 or 1", params
    return None, params
