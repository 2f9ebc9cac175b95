"""Firework's world: one business whose channels schedule livestreams, each with its products.

Everything is drawn from ``sandbox.seeds`` keyed by (channel, UTC day, index), so a day's
livestreams never depend on what else was asked. A livestream's schedule (created, slot,
started, pauses, ended) is fixed at generation; its *status* is a function of the clock, so
moving the sandbox clock walks it through idle -> active <-> paused -> replay -> completed, or
idle -> expired when it never starts.

Cases a source must meet, present every day: the 24/7 channel's last show of each UTC day is
scheduled at 23:30 and runs past midnight; some livestreams are "go live now" ones without a
schedule (``scheduled_at`` null, which the reference allows); most products have several units.

Pinned assumptions (the reference says nothing about these timings):
- a livestream that has not started ``EXPIRE_AFTER_S`` after its slot is ``expired``;
- a replay stays available ``replay_days`` days after the end (a service option, default 7);
- a livestream exists (answers its detail) from its ``created_at``, some days before its slot
  (see ``timeline.py`` for which UTC days the world holds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from random import Random
from typing import Any

import orjson

from sandbox.seeds import derive, numeric_id, rng

DAY_S = 86_400
FUTURE_DAYS = 14
EXPIRE_AFTER_S = 4 * 3600
UNSCHEDULED_SHARE = 0.06  # of the other channels' livestreams: "go live now", no schedule
# The 24/7 channel's four-hour shows (UTC hours), so some livestream is live at almost any
# instant; the last one of each UTC day starts at 23:30 and ends after midnight.
ALWAYS_ON_SLOTS_H = (3.5, 7.5, 11.5, 15.5, 19.5, 23.5)
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Channel markets in rotation: currency, UTC offset (hours) of the audience's evening.
MARKETS = (
    ("USD", -5.0),
    ("EUR", 1.0),
    ("GBP", 0.0),
    ("INR", 5.5),
    ("JPY", 9.0),
    ("BRL", -3.0),
    ("AUD", 10.0),
    ("CAD", -5.0),
)
USD_RATE = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "INR": 83.0,
    "JPY": 150.0,
    "BRL": 5.0,
    "AUD": 1.5,
    "CAD": 1.36,
}
SYMBOL = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "INR": "₹",
    "JPY": "¥",
    "BRL": "R$",
    "AUD": "A$",
    "CAD": "CA$",
}
ZERO_DECIMALS = {"JPY"}

Names = tuple[str, ...]
# vertical -> (adjectives, nouns, (min, max) USD price, variant axes, pitch lines)
Vertical = tuple[Names, Names, tuple[float, float], tuple[Names, ...], Names]
VERTICALS: dict[str, Vertical] = {
    "beauty": (
        ("Glow", "Velvet", "Pure", "Radiant", "Silk", "Bloom"),
        (
            "Hydrating Serum",
            "Matte Lipstick",
            "Vitamin C Cream",
            "Volumizing Mascara",
            "Clay Face Mask",
            "Rose Toner",
            "SPF 50 Sunscreen",
            "Eyeshadow Palette",
            "Hair Repair Oil",
            "Cleansing Balm",
        ),
        (12.0, 65.0),
        (("30 ml", "50 ml", "100 ml"), ("Nude", "Rose", "Coral", "Berry")),
        (
            "Dermatologist tested, fragrance free.",
            "Vegan formula for every skin type.",
            "Our best-seller, back in stock.",
            "Lightweight texture that lasts all day.",
        ),
    ),
    "fashion": (
        ("Classic", "Urban", "Coastal", "Heritage", "Studio", "Everyday"),
        (
            "Linen Shirt",
            "Denim Jacket",
            "Wrap Dress",
            "Chelsea Boots",
            "Knit Sweater",
            "Wide-Leg Trousers",
            "Leather Tote",
            "Silk Scarf",
            "Puffer Vest",
            "Running Sneakers",
        ),
        (25.0, 180.0),
        (("Black / S", "Black / M", "Black / L", "Sand / M", "Navy / L"), ("One Size",)),
        (
            "Relaxed fit in organic cotton.",
            "Limited run, made in small batches.",
            "Pairs with everything in your closet.",
            "Water-repellent and packable.",
        ),
    ),
    "electronics": (
        ("Pro", "Max", "Air", "Nova", "Pulse", "Zen"),
        (
            "Wireless Bluetooth Headphones",
            "Smart Watch",
            "Portable Speaker",
            "Phone Gimbal",
            "USB-C Charger",
            "Ring Light",
            "Mechanical Keyboard",
            "Action Camera",
            "Wireless Earbuds",
            "Power Bank",
        ),
        (19.0, 399.0),
        (
            ("Black / Standard", "White / Standard", "Blue / Standard"),
            ("64 GB", "128 GB", "256 GB"),
        ),
        (
            "Premium noise-canceling sound.",
            "Two-year warranty included.",
            "All-day battery with fast charging.",
            "Works with iOS and Android.",
        ),
    ),
    "home": (
        ("Nordic", "Artisan", "Cozy", "Terra", "Hearth", "Oak"),
        (
            "Cast Iron Skillet",
            "Air Fryer",
            "Linen Bedding Set",
            "Scented Candle",
            "Ceramic Vase",
            "Chef's Knife",
            "Cold Brew Maker",
            "Throw Blanket",
            "Storage Baskets",
            "Espresso Cups",
        ),
        (15.0, 250.0),
        (("Small", "Medium", "Large"), ("Natural", "Charcoal", "Sage")),
        (
            "Dishwasher safe.",
            "Hand-finished by our partner workshop.",
            "Designed to last a lifetime.",
            "Ships in plastic-free packaging.",
        ),
    ),
}
EVENTS = (
    "Product Launch Livestream",
    "Weekend Flash Sale",
    "New Arrivals Live",
    "Ask the Expert",
    "Holiday Gift Guide Live",
    "Behind the Brand",
    "Members-Only Preview",
    "Bundle Deals Hour",
)
SEGMENTS = (
    "Night Owl Deals",
    "Early Bird Picks",
    "Morning Show",
    "Midday Steals",
    "Afternoon Edit",
    "Prime Time Live",
)
PITCHES = (
    "Join us for our exciting new product reveal!",
    "Live demos, exclusive discounts and your questions answered.",
    "Shop along with our hosts: limited stock, live-only prices.",
    "Meet the team behind our best-sellers.",
)


def encode_id(*parts: object, seed: int) -> str:
    """A six-character base-62 id like Firework's encoded ids (``616dOp``)."""
    n = derive(seed, "firework", *parts) % (62**6)
    out = []
    for _ in range(6):
        n, rem = divmod(n, 62)
        out.append(ALPHABET[rem])
    return "".join(out)


def iso(ts: float | None) -> str | None:
    """Firework's datetime format, ``2025-03-19T09:41:00.000000Z``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


@dataclass(frozen=True)
class Channel:
    """A channel of a business: one "account" of the world, with its market and catalog."""

    id: str
    business_id: str
    name: str
    currency: str
    utc_offset_h: float
    vertical: str
    always_on: bool
    catalog: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Livestream:
    """A livestream's fixed schedule and payload; its status comes from ``status_at``.

    The payload fields are kept as served, so a test computes expected figures from them.
    """

    id: str
    channel_id: str
    business_id: str
    day: int  # UTC day number (unix seconds // 86400) of slot_at
    created_at: float
    slot_at: float  # when it was to go on air: scheduled_at, or the unscheduled one's plan
    scheduled_at: float | None  # as the detail shows it; None for a "go live now" livestream
    started_at: float | None  # None: never starts, so it expires
    ended_at: float | None
    pauses: tuple[tuple[float, float], ...]
    event_name: str
    event_description: str | None
    products: tuple[dict[str, Any], ...]

    def status_at(self, now: float, forced_end: float | None, replay_s: float) -> str:
        if self.started_at is None:
            return "idle" if now < self.slot_at + EXPIRE_AFTER_S else "expired"
        if now < self.started_at:
            return "idle"
        end = self.ended_at if self.ended_at is not None else math.inf
        if forced_end is not None and forced_end >= self.started_at:
            end = min(end, forced_end)
        if now >= end:
            return "replay" if now < end + replay_s else "completed"
        if any(p0 <= now < p1 for p0, p1 in self.pauses):
            return "paused"
        return "active"

    def detail(self, status: str) -> dict[str, Any]:
        """The detail answer as served when the livestream has ``status``."""
        return {
            "status": status,
            "scheduled_at": iso(self.scheduled_at),
            "event_name": self.event_name,
            "event_description": self.event_description,
            "products": list(self.products),
        }

    @property
    def pin_keys(self) -> frozenset[str]:
        """Product and product unit ids that can be pinned (not kept: a set on each of a
        year's livestreams was a fifth of the sandbox's memory)."""
        products = self.products
        return frozenset(p["id"] for p in products) | {
            u["id"] for p in products for u in p["product_units"]
        }

    @property
    def body_tail(self) -> bytes:
        """The detail payload after ``"status"`` (the hot path splices it). Not kept: a year
        at scale 25 is 100,000 livestreams, whose kept bodies grew to gigabytes."""
        return orjson.dumps({k: v for k, v in self.detail("").items() if k != "status"})


def channels(seed: int, scale: int, business: int = 0, count: int | None = None) -> list[Channel]:
    """A business's channels: four per unit of scale, the first of every four streaming 24/7."""
    business_id = encode_id("business", business, seed=seed)
    out = []
    for i in range(count if count is not None else 4 * max(scale, 1)):
        currency, offset = MARKETS[(i + business * 3) % len(MARKETS)]
        vertical = tuple(VERTICALS)[(i + business) % len(VERTICALS)]
        always_on = business == 0 and i % 4 == 0
        cid = encode_id("channel", business, i, seed=seed)
        r = rng(seed, "firework", "channel", cid)
        kind = "24/7" if always_on else "Live"
        name = f"{r.choice(VERTICALS[vertical][0])} {vertical.title()} {kind}"
        catalog = _catalog(seed, cid, vertical, currency, 80 if always_on else 40)
        out.append(Channel(cid, business_id, name, currency, offset, vertical, always_on, catalog))
    return out


def _charm(usd: float, currency: str) -> float:
    """A shop-like price in the local currency (49.99, 1299, 4980)."""
    local = usd * USD_RATE[currency]
    if currency == "JPY":
        return float(max(100, round(local / 100) * 100 - 20))
    if currency == "INR":
        return float(max(99, round(local / 100) * 100 - 1))
    return math.floor(local) + 0.99


def _price_string(price: float, currency: str) -> str:
    if currency in ZERO_DECIMALS:
        return f"{SYMBOL[currency]}{int(price):,}"
    return f"{SYMBOL[currency]}{price:,.2f}"


def _catalog(
    seed: int, channel_id: str, vertical: str, currency: str, size: int
) -> tuple[dict[str, Any], ...]:
    adjectives, nouns, (lo, hi), axes, pitches = VERTICALS[vertical]
    out = []
    for j in range(size):
        pid = encode_id("product", channel_id, j, seed=seed)
        r = rng(seed, "firework", "product", pid)
        noun = r.choice(nouns)
        name = f"{r.choice(adjectives)} {noun}"
        base = math.exp(r.uniform(math.log(lo), math.log(hi)))
        axis = r.choice(axes)
        n_units = r.randint(1, len(axis))
        units = []
        for u, unit_name in enumerate(axis[:n_units]):
            price = _charm(base * (1 + 0.15 * u), currency)
            units.append(
                {
                    "id": encode_id("unit", pid, u, seed=seed),
                    "unit_name": unit_name,
                    "unit_price": int(price) if currency in ZERO_DECIMALS else price,
                    "unit_price_string": _price_string(price, currency),
                    "unit_ext_id": numeric_id(seed, "firework", "ext", pid, u, digits=14),
                }
            )
        images = []
        for p in range(r.randint(1, 4)):
            iid = encode_id("image", pid, p, seed=seed)
            images.append(
                {
                    "id": iid,
                    "image_src": f"https://cdn.firework-sandbox.example/products/{pid}/{iid}.jpg",
                    "image_position": p + 1,
                }
            )
        out.append(
            {
                "id": pid,
                "product_name": name,
                "product_description": f"{name}. {r.choice(pitches)}",
                "product_currency": currency,
                "product_images": images,
                "product_units": units,
            }
        )
    return tuple(out)


def day_livestreams(seed: int, channel: Channel, day: int) -> list[Livestream]:
    """The livestreams a channel scheduled on one UTC day (stable whatever else is asked)."""
    r = rng(seed, "firework", "day", channel.id, day)
    day_start = day * DAY_S
    if channel.always_on:
        slots = [day_start + int(h * 3600) for h in ALWAYS_ON_SLOTS_H]
    else:
        n = r.choice((0, 0, 1, 1, 1, 2))
        local = sorted(r.sample((10, 12, 14, 17, 19, 20, 21), n))
        slots = []
        for hour in local:
            utc_h = (hour - channel.utc_offset_h) % 24
            slots.append(day_start + int(utc_h * 3600) + r.choice((0, 0, 15, 30, 30, 45)) * 60)
        slots.sort()
    return [_livestream(seed, channel, day, k, at, r) for k, at in enumerate(slots)]


def _livestream(
    seed: int, channel: Channel, day: int, k: int, scheduled: float, r: Random
) -> Livestream:
    lid = encode_id("livestream", channel.id, day, k, seed=seed)
    unscheduled = False
    if channel.always_on:
        lead = r.triangular(6 * 3600, 3 * DAY_S, DAY_S)
        never = False  # a 24/7 channel always goes on air
        delay = r.uniform(0, 240)
        duration = r.uniform(3 * 3600 + 35 * 60, 3 * 3600 + 55 * 60)
        n_pauses, pause_len = r.randint(1, 3), (120.0, 720.0)
        segment = SEGMENTS[int((scheduled % DAY_S) // (4 * 3600))]
        name = f"{channel.name}: {segment}"
        n_products = r.randint(6, 15)
    else:
        lead = r.triangular(3600, 21 * DAY_S, 4 * DAY_S)
        never = r.random() < 0.08
        delay = r.triangular(-120, 900, 120)
        duration = r.triangular(20 * 60, 2 * 3600, 45 * 60)
        n_pauses, pause_len = r.choice((0, 0, 1, 1, 2)), (30.0, 360.0)
        name = r.choice(EVENTS)
        n_products = r.choice((0, 2, 3, 4, 5, 6, 8, 10, 12))
        if r.random() < UNSCHEDULED_SHARE:  # set up shortly before going live, no schedule
            unscheduled, never, lead = True, False, r.uniform(600, 3 * 3600)
    description = None if r.random() < 0.15 else r.choice(PITCHES)
    products = r.sample(channel.catalog, n_products)
    started = ended = None
    pauses: list[tuple[float, float]] = []
    if not never:
        started = float(round(scheduled + delay))
        ended = float(round(started + duration))
        cursor = started + 300
        for _ in range(n_pauses):
            latest = min(cursor + duration / 2, ended - 900)
            if latest <= cursor:
                break
            p0 = r.uniform(cursor, latest)
            p1 = p0 + r.uniform(*pause_len)
            if p1 >= ended - 300:
                break
            pauses.append((float(round(p0)), float(round(p1))))
            cursor = p1 + 300
    return Livestream(
        id=lid,
        channel_id=channel.id,
        business_id=channel.business_id,
        day=day,
        created_at=float(round(scheduled - lead)),
        slot_at=float(scheduled),
        scheduled_at=None if unscheduled else float(scheduled),
        started_at=started,
        ended_at=ended,
        pauses=tuple(pauses),
        event_name=name,
        event_description=description,
        products=tuple(products),
    )
