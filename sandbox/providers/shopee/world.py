"""Shopee's livestream world: sellers, their shop catalogues and sessions, and what a session
has earned by a given instant.

Every figure is a function of (seed, seller, UTC day, index) or (seed, session, item), so a
session looks the same whatever was asked before. Cumulative figures grow with the session's
progress ``f`` (0 before it starts, 1 once its nominal length has run), and a session's totals
are always the sums of its items' figures at the same instant: GMV = sum(sold_items * price).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sandbox.providers.shopee.regions import (
    COMMENTS,
    CURRENCY,
    PRICE_RANGE,
    SELLER_ROTATION,
    TITLES,
    gmv_amount,
    shop_price,
)
from sandbox.seeds import derive, numeric_id, rng

CATALOG_SIZE = 200
# A session created through the API has no planned length; its figures grow over this long.
NOMINAL_MS = 2 * 3600 * 1000
PRODUCTS = (
    "Hydrating Serum 30ml",
    "Matte Lip Tint",
    "Wireless Earbuds",
    "Phone Case Clear",
    "Cotton Oversized Tee",
    "Running Shoes",
    "Air Fryer 4L",
    "Ceramic Mug Set",
    "Sunscreen SPF50",
    "Instant Noodles Pack",
    "Baby Wipes 80s",
    "LED Desk Lamp",
    "Yoga Mat 6mm",
    "Stainless Bottle 750ml",
    "Hair Dryer Ionic",
    "Mini Power Bank",
)
ADJECTIVES = ("Premium", "Classic", "New", "Best-Selling", "Limited", "Eco", "Pro", "Daily")
VIEWER_POOL = 400


def day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def utc_day(ts_s: float) -> date:
    return datetime.fromtimestamp(ts_s, tz=UTC).date()


@dataclass(frozen=True)
class Seller:
    index: int
    user_id: int
    shop_id: int
    region: str
    username: str

    @property
    def currency(self) -> str:
        return CURRENCY[self.region]


@dataclass(frozen=True)
class Item:
    item_id: int
    shop_id: int
    name: str
    image_url: str
    current_price: float
    original_price: float
    currency: str
    commission_rate: float

    def public(self) -> dict[str, Any]:
        """The item as get_show_item and get_session_item_metric show it."""
        return {
            "item_id": self.item_id,
            "shop_id": self.shop_id,
            "name": self.name,
            "image_url": self.image_url,
            "price_info": {
                "currency": self.currency,
                "current_price": self.current_price,
                "original_price": self.original_price,
            },
        }

    def listed(self, item_no: int) -> dict[str, Any]:
        """The item as a shopping-bag list shows it (get_item_list and friends)."""
        return {
            "item_no": item_no,
            **self.public(),
            "affiliate_info": {
                "commission_rate": self.commission_rate,
                "is_campaign": False,
                "campaign_mcn_name": "",
                "campaign_start_time": 0,
                "campaign_end_time": 0,
            },
        }


@dataclass(frozen=True, slots=True)
class Audience:
    """Final figures of a session once its nominal length has run."""

    views: int
    likes: int
    comments: int
    shares: int
    peak_ccu: int
    engage_ratio: float
    avg_view_s: int
    ctr_base: float
    atc_rate: float
    sold_rate: float
    basket: float


@dataclass(slots=True)
class Session:
    """A session's current state; the service mutates it only under its lock."""

    session_id: int
    user_id: int
    region: str
    title: str
    description: str
    cover_image_url: str
    is_test: bool
    create_ms: int
    start_ms: int | None
    end_ms: int | None
    duration_ms: int
    items: list[Item]
    audience: Audience
    nominal_items: int
    push_key: str
    domain_id: int
    api_update_ms: int = 0
    show_item_id: int | None = None
    show_set: bool = False  # once the API sets or deletes the show item, no more rotation
    banned: dict[int, int] = field(default_factory=dict)
    posted: list[dict[str, Any]] = field(default_factory=list)

    def status(self, now_ms: int) -> int:
        if self.start_ms is None or now_ms < self.start_ms:
            return 0
        if self.end_ms is None or now_ms < self.end_ms:
            return 1
        return 2

    def progress(self, now_ms: int) -> float:
        """Share of the final figures earned by ``now_ms`` (0..1)."""
        if self.start_ms is None or now_ms <= self.start_ms:
            return 0.0
        until = now_ms if self.end_ms is None else min(now_ms, self.end_ms)
        return min(max((until - self.start_ms) / self.duration_ms, 0.0), 1.0)

    def update_ms(self, now_ms: int) -> int:
        stamps = [self.create_ms, self.api_update_ms]
        if self.start_ms is not None and self.start_ms <= now_ms:
            stamps.append(self.start_ms)
        if self.end_ms is not None and self.end_ms <= now_ms:
            stamps.append(self.end_ms)
        return max(stamps)


def make_sellers(seed: int, scale: int) -> list[Seller]:
    """Eight sellers per unit of scale, one per site plus a second TW (``SELLER_ROTATION``)."""
    out = []
    for i in range(len(SELLER_ROTATION) * max(scale, 1)):
        region = SELLER_ROTATION[i % len(SELLER_ROTATION)]
        out.append(
            Seller(
                index=i,
                user_id=int(numeric_id(seed, "shopee", "user", i, digits=9)),
                shop_id=int(numeric_id(seed, "shopee", "shop", i, digits=9)),
                region=region,
                username=f"{region.lower()}_live_{i:03d}",
            )
        )
    return out


def make_catalog(seed: int, seller: Seller) -> list[Item]:
    r = rng(seed, "shopee", "catalog", seller.user_id)
    low, high = PRICE_RANGE[seller.region]
    out = []
    for k in range(CATALOG_SIZE):
        original = math.exp(r.uniform(math.log(low), math.log(high)))
        current = original * (1 - r.choice((0.0, 0.0, 0.1, 0.15, 0.2, 0.3, 0.4)))
        item_id = int(numeric_id(seed, "shopee", "item", seller.user_id, k, digits=11))
        out.append(
            Item(
                item_id=item_id,
                shop_id=seller.shop_id,
                name=f"{r.choice(ADJECTIVES)} {r.choice(PRODUCTS)} #{k + 1}",
                image_url=f"https://cf.shopee-sandbox.example/file/{item_id:x}",
                current_price=shop_price(current, seller.region),
                original_price=shop_price(original, seller.region),
                currency=seller.currency,
                commission_rate=round(r.choice((0.0, 0.02, 0.05, 0.08, 0.1)), 2),
            )
        )
    return out


def audience(seed: int, *key: object, min_views: int = 0) -> Audience:
    """A session's final audience; ``min_views`` lifts a showcase session out of the tail."""
    r = rng(seed, "shopee", "audience", *key)
    views = max(int(math.exp(r.gauss(7.6, 1.2))) + 20, min_views)
    return Audience(
        views=views,
        likes=int(views * r.uniform(0.8, 4.0)),
        comments=int(views * r.uniform(0.01, 0.12)),
        shares=int(views * r.uniform(0.002, 0.03)),
        peak_ccu=max(1, int(views * r.uniform(0.03, 0.15))),
        engage_ratio=r.uniform(0.3, 0.7),
        avg_view_s=int(r.uniform(25, 420)),
        ctr_base=r.uniform(0.04, 0.22),
        atc_rate=r.uniform(0.1, 0.35),
        sold_rate=r.uniform(0.2, 0.6),
        basket=r.uniform(1.0, 1.6),
    )


def stream_bits(seed: int, session_id: int) -> tuple[str, int]:
    return f"{derive(seed, 'shopee', 'push', session_id):016x}", 1 + session_id % 3


def day_sessions(seed: int, seller: Seller, day: date, catalog: list[Item]) -> list[Session]:
    """The sessions a seller planned to start on one UTC day."""
    r = rng(seed, "shopee", "day", seller.user_id, day.isoformat())
    base = day_start(day)
    starts = sorted(r.randrange(0, 86_400 - 60) for _ in range(r.choice((0, 1, 1, 1, 2, 2, 3))))
    out = []
    for k, offset in enumerate(starts):
        sid = int(
            numeric_id(seed, "shopee", "session", seller.user_id, day.isoformat(), k, digits=10)
        )
        start_ms = (base + offset) * 1000 + r.randrange(1000)
        create_ms = start_ms - int(r.uniform(0.25, 48) * 3_600_000)
        never = r.random() < 0.04
        duration = int(r.triangular(20 * 60, 4 * 3600, 90 * 60)) * 1000
        n_items = r.randint(101, 180) if r.random() < 0.08 else r.randint(6, 40)
        title = f"{r.choice(TITLES[seller.region])} #{k + 1}"
        is_test = r.random() < 0.03
        out.append(
            planned_session(
                seed,
                seller,
                sid,
                title=title,
                description=f"{seller.username} live on {day.isoformat()}",
                is_test=is_test,
                create_ms=create_ms,
                start_ms=None if never else start_ms,
                duration_ms=duration,
                items=r.sample(catalog, n_items),
                audience=audience(seed, seller.user_id, day.isoformat(), k),
            )
        )
    return out


def planned_session(
    seed: int,
    seller: Seller,
    session_id: int,
    *,
    title: str,
    description: str,
    is_test: bool,
    create_ms: int,
    start_ms: int | None,
    duration_ms: int,
    items: list[Item],
    audience: Audience,
) -> Session:
    """A session the seller's app created ahead of time; ``start_ms`` None: never started."""
    push_key, domain_id = stream_bits(seed, session_id)
    return Session(
        session_id=session_id,
        user_id=seller.user_id,
        region=seller.region,
        title=title,
        description=description,
        cover_image_url=f"https://cf.shopee-sandbox.example/file/cover-{session_id}",
        is_test=is_test,
        create_ms=create_ms,
        start_ms=start_ms,
        end_ms=None if start_ms is None else start_ms + duration_ms,
        duration_ms=duration_ms,
        items=items,
        audience=audience,
        nominal_items=len(items),
        push_key=push_key,
        domain_id=domain_id,
    )


def item_final(seed: int, s: Session, item_id: int) -> tuple[int, int, int]:
    """(item_clicks, atc, sold_items) an item reaches when the session has fully run."""
    return _item_final(seed, s.session_id, item_id, s.audience, s.nominal_items)


@functools.lru_cache(maxsize=1 << 16)
def _item_final(
    seed: int, session_id: int, item_id: int, a: Audience, nominal_items: int
) -> tuple[int, int, int]:
    """Kept for the latest items asked about only: a year at scale 25 is 100,000 sessions of
    up to 180 items, which a cache on every session grew to gigabytes."""
    r = rng(seed, "shopee", "itemfinal", session_id, item_id)
    # Popularity is skewed (a few items take most clicks); stochastic rounding keeps the
    # expected totals right even when an item's share is below one click or one sale.
    weight = math.exp(r.gauss(0.0, 1.1)) / (1.83 * max(nominal_items, 1))
    clicks = int(a.views * a.ctr_base * weight + r.random())
    atc = int(clicks * a.atc_rate * r.uniform(0.7, 1.3) + r.random())
    sold = int(atc * a.sold_rate * r.uniform(0.7, 1.3) + r.random())
    atc, sold = min(atc, clicks), min(sold, atc)
    return (clicks, atc, sold)


def item_metrics(seed: int, s: Session, now_ms: int) -> list[tuple[Item, int, int, int]]:
    f = s.progress(now_ms)
    out = []
    for item in s.items:
        clicks, atc, sold = item_final(seed, s, item.item_id)
        out.append((item, int(clicks * f), int(atc * f), int(sold * f)))
    return out


def item_metric_rows(seed: int, s: Session, now_ms: int) -> list[dict[str, Any]]:
    """Every row get_session_item_metric pages through, in shopping-bag order."""
    return [
        {"item": it.public(), "metric": {"item_clicks": c, "atc": a, "sold_items": so}}
        for it, c, a, so in item_metrics(seed, s, now_ms)
    ]


def session_metric(seed: int, s: Session, now_ms: int) -> dict[str, Any]:
    f = s.progress(now_ms)
    a = s.audience
    rows = item_metrics(seed, s, now_ms)
    clicks = sum(r[1] for r in rows)
    atc = sum(r[2] for r in rows)
    sold = sum(r[3] for r in rows)
    gmv = sum(r[3] * r[0].current_price for r in rows)
    orders = math.ceil(sold / a.basket) if sold else 0
    views = int(a.views * f)
    live = s.status(now_ms) == 1
    hump = 0.15 + 0.85 * math.sin(math.pi * f)
    ccu = int(a.peak_ccu * hump) if live else 0
    peak = int(a.peak_ccu * (0.15 + 0.85 * math.sin(math.pi * min(f, 0.5)))) if f > 0 else 0
    return {
        "gmv": gmv_amount(gmv, s.region),
        "atc": atc,
        "ctr": round(clicks / views, 4) if views else 0.0,
        "co": round(orders / clicks, 4) if clicks else 0.0,
        "orders": orders,
        "ccu": ccu,
        "engage_ccu_1m": int(ccu * a.engage_ratio),
        "peak_ccu": max(peak, ccu),
        "likes": int(a.likes * f),
        "comments": int(a.comments * f),
        "shares": int(a.shares * f),
        "views": views,
        "avg_viewing_duration": a.avg_view_s if f > 0 else 0,
    }


def comments_between(
    seed: int, s: Session, viewers: list[tuple[int, str]], from_ms: int, to_ms: int
) -> list[dict[str, Any]]:
    """Viewers' comments with from_ms < timestamp <= to_ms, oldest first.

    Comment number i is written in the second where the cumulative count passes i, so the
    comments ever written add up to the metric's ``comments``. Ids rise with time.
    """
    if s.start_ms is None:
        return []
    out: list[dict[str, Any]] = []
    total = s.audience.comments
    first = max(from_ms // 1000, s.start_ms // 1000)
    last = to_ms // 1000 if s.end_ms is None else min(to_ms, s.end_ms) // 1000
    for sec in range(first, last + 1):
        lo = int(total * s.progress(sec * 1000))
        hi = int(total * s.progress((sec + 1) * 1000))
        count = hi - lo
        for j in range(count):
            ts = sec * 1000 + (1000 * j + 500) // count
            if not from_ms < ts <= to_ms:
                continue
            r = rng(seed, "shopee", "comment", s.session_id, lo + j)
            user_id, username = viewers[r.randrange(len(viewers))]
            banned_at = s.banned.get(user_id)
            if banned_at is not None and banned_at <= ts:
                continue
            out.append(
                {
                    "comment_id": sec * 10_000 + j,
                    "content": r.choice(COMMENTS[s.region]),
                    "timestamp": ts,
                    "user_id": user_id,
                    "username": username,
                }
            )
    out.extend(c for c in s.posted if from_ms < c["timestamp"] <= to_ms)
    out.sort(key=lambda c: c["comment_id"])
    return out


def viewers(seed: int, region: str) -> list[tuple[int, str]]:
    return [
        (
            int(numeric_id(seed, "shopee", "viewer", region, i, digits=9)),
            f"{region.lower()}_user{derive(seed, 'shopee', 'vname', region, i) % 100_000:05d}",
        )
        for i in range(VIEWER_POOL)
    ]
