"""LiSA's deterministic world: channels, product catalogs, shows with live streams, and what
hangs off them (stories, snippets, short clips, stickers).

Everything static is drawn per (seed, channel, UTC date, index), so asking for one day never
changes another. What a show looks like *now* (draft/ready/archived, live, which streams
have started or ended, replay assets) is a pure function of the clock, driven by each show's
own timeline of events: the same timeline feeds the webhook deliveries.
"""

from __future__ import annotations

import math
import threading
import uuid
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.seeds import derive, numeric_id, rng

P = "lisa"
HASH = "UjKJcTXE%i%M~9bxK7tdjes;5Rb[-3wIX9O,"
CDN = "https://cdn.sandbox.hello-lisa.example"
DAY_S = 86_400
# Shows are announced up to this many days ahead, so the window must reach that far.
UPCOMING_DAYS = 10
# Archiving happens at most this long after a show's last stream.
ARCHIVE_MAX_DAYS = 20

THEMES = (
    ("fashion", "Fashion", "Style, trends and runway looks"),
    ("beauty", "Beauty", "Skincare, make-up and fragrance"),
    ("home", "Home & Living", "Interior ideas and home essentials"),
    ("food", "Food & Wine", "Delicacies, recipes and fine wine"),
    ("tech", "Tech", "Gadgets, audio and smart home"),
    ("sports", "Sports", "Gear and outfits for every sport"),
)
CURRENCIES = (
    ("EUR", "€", 1.0),
    ("USD", "$", 1.0),
    ("GBP", "£", 0.9),
    ("CHF", "CHF", 1.0),
    ("SEK", "kr", 11.0),
    ("PLN", "zł", 4.3),
)
# Where a product's other store sells it: (store, currency, symbol, rate from the home currency).
OVERRIDE_STORES = {
    "EUR": ("ch", "CHF", "CHF", 0.95),
    "USD": ("ca", "CAD", "$", 1.35),
    "GBP": ("ie", "EUR", "€", 1.17),
    "CHF": ("de", "EUR", "€", 1.05),
    "SEK": ("no", "NOK", "kr", 1.0),
    "PLN": ("cz", "CZK", "Kč", 5.8),
}
# Products priced per unit too: (unit, the quantity the unit price is for, contents to pick from).
UNIT_SIZES: dict[str, tuple[str, int, tuple[float, ...]]] = {
    "food": ("l", 1, (0.25, 0.5, 0.75, 1.0)),
    "beauty": ("ml", 100, (15, 30, 50, 100)),
}
# Products sold in sizes or packs: (label, price factor) per variant.
VARIANT_SIZES = {
    "fashion": (("S", 1.0), ("M", 1.0), ("L", 1.1)),
    "sports": (("S", 1.0), ("M", 1.0), ("L", 1.1)),
    "food": (("1 x 750ml", 1.0), ("3 x 750ml", 2.8), ("6 x 750ml", 5.4)),
}
TITLES = (
    "Must-buys you love",
    "New drops live",
    "Weekend deals",
    "Ask the expert",
    "Behind the scenes",
    "Flash sale hour",
    "Season preview",
    "Top picks of the week",
)
# Some shows carry translations besides the "*" default, as the reference's texts do.
TITLES_FR = {
    "Must-buys you love": "Les incontournables que vous aimez",
    "New drops live": "Nouveautés en direct",
    "Weekend deals": "Bons plans du week-end",
    "Ask the expert": "Demandez à l'experte",
    "Behind the scenes": "Dans les coulisses",
    "Flash sale hour": "L'heure des ventes flash",
    "Season preview": "Avant-première de la saison",
    "Top picks of the week": "Coups de cœur de la semaine",
}
TITLES_DE = {
    "Must-buys you love": "Must-haves, die du liebst",
    "New drops live": "Neuheiten live",
    "Weekend deals": "Wochenend-Angebote",
    "Ask the expert": "Frag die Expertin",
    "Behind the scenes": "Hinter den Kulissen",
    "Flash sale hour": "Flash-Sale-Stunde",
    "Season preview": "Saisonvorschau",
    "Top picks of the week": "Top-Tipps der Woche",
}
FIRST_NAMES = ("Rosie", "Holly", "Zoé", "Liz", "Jon", "Mara", "Ben", "Ada", "Noah", "Ines")
PRODUCT_WORDS = ("Classic", "Organic", "Premium", "Everyday", "Limited", "Signature", "Travel")
PRODUCT_NOUNS = {
    "fashion": ("Linen Shirt", "Denim Jacket", "Silk Scarf", "Leather Belt", "Wool Coat"),
    "beauty": ("Face Serum", "Lip Balm", "Night Cream", "Eau de Parfum", "Clay Mask"),
    "home": ("Ceramic Vase", "Throw Blanket", "Table Lamp", "Scented Candle", "Linen Set"),
    "food": ("Pinot Noir", "Olive Oil", "Truffle Salt", "Espresso Beans", "Dark Chocolate"),
    "tech": ("Earbuds", "Smart Plug", "Power Bank", "Desk Speaker", "Action Camera"),
    "sports": ("Running Shoes", "Yoga Mat", "Trail Jacket", "Water Bottle", "Gym Bag"),
}
BASE_PRICE = {
    "fashion": 60.0,
    "beauty": 30.0,
    "home": 45.0,
    "food": 25.0,
    "tech": 90.0,
    "sports": 55.0,
}
EVENT_TYPES = (
    "Show:create",
    "Show:delete",
    "Show:publish",
    "Show:start",
    "Show:stop",
    "Show:unpublish",
    "Show:update",
    "Snippet:create",
    "Snippet:delete",
    "Snippet:publish",
    "Snippet:unpublish",
    "Snippet:update",
    "Story:create",
    "Story:delete",
    "Story:publish",
    "Story:unpublish",
    "Story:update",
)


def det_uuid(seed: int, *parts: object) -> str:
    """A stable UUID v4 (LiSA ids are UUIDs)."""
    value = (derive(seed, P, "uuid-hi", *parts) << 64) | derive(seed, P, "uuid-lo", *parts)
    return str(uuid.UUID(int=value, version=4))


def iso(ts: float) -> str:
    """LiSA's timestamp format: milliseconds and a ``Z``."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def image(width: int, height: int, size: int, path: str) -> dict[str, Any]:
    return {
        "hash": HASH,
        "height": height,
        "sizeInBytes": size,
        "url": f"{CDN}/{path}",
        "width": width,
    }


def day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class Channel:
    index: int
    id: str
    slug: str
    theme: str
    title: str
    description: str
    currency: str
    symbol: str
    price_factor: float
    hosts: tuple[dict[str, Any], ...]

    def body(self, highlighted: list[str]) -> dict[str, Any]:
        return {
            "assets": {
                "landscape": image(1920, 1080, 412_331, f"channels/{self.id}/landscape.jpg"),
                "portrait": image(1080, 1920, 398_102, f"channels/{self.id}/portrait.jpg"),
                "thumbnail": image(320, 320, 24_518, f"channels/{self.id}/thumb.jpg"),
            },
            "description": {"*": self.description},
            "highlightedShows": highlighted,
            "hosts": list(self.hosts),
            "id": self.id,
            "slug": self.slug,
            "title": {"*": self.title},
            "url": f"https://shop.sandbox.example/live/{self.slug}",
        }


@dataclass(frozen=True, slots=True)
class Stream:
    id: str
    start: int
    end: int
    viewers: int
    emojis: int
    messages: int
    recording_id: str
    clip_ids: tuple[str, ...]

    def metrics(self, now: float) -> dict[str, int]:
        if now >= self.end:
            return {
                "durationInMs": (self.end - self.start) * 1000,
                "numberOfEmojis": self.emojis,
                "numberOfMessages": self.messages,
                "numberOfViewers": self.viewers,
            }
        frac = max(0.0, min(1.0, (now - self.start) / (self.end - self.start)))
        return {
            "durationInMs": int((now - self.start) * 1000),
            "numberOfEmojis": int(self.emojis * frac),
            "numberOfMessages": int(self.messages * frac),
            "numberOfViewers": int(self.viewers * frac**0.6),
        }


@dataclass(frozen=True, slots=True)
class ShowSeed:
    """A show's static facts and its timeline; ``events`` is sorted by time."""

    id: str
    day: date
    index: int
    name: str
    title: dict[str, str]
    description: str
    channels: tuple[Channel, ...]
    date: int
    created: int
    published: int
    streams: tuple[Stream, ...]
    updated: int | None
    archived: int | None
    products: tuple[dict[str, Any], ...]
    hosts: tuple[dict[str, Any], ...]
    access_token: str
    preview_token: str
    sticker: bool
    snippets: int
    events: tuple[tuple[int, str], ...] = field(default=())
    times: tuple[int, ...] = field(default=())
    kind: str = ""  # "" or a case of ``World.special_kind``
    # (when, new title or None): edits a test made through ``LisaService.edit_show``
    edits: tuple[tuple[int, dict[str, str] | None], ...] = field(default=())

    def phase(self, now: float) -> int:
        """How many of the show's events have happened by ``now``."""
        return bisect_right(self.times, now)

    def live_at(self, now: float) -> bool:
        return any(s.start <= now < s.end for s in self.streams)

    def title_at(self, now: float) -> dict[str, str]:
        """The title, as the latest edit made by ``now`` left it."""
        title = self.title
        for t, new in self.edits:
            if t <= now and new is not None:
                title = new
        return dict(title)


def make_channels(seed: int, scale: int) -> list[Channel]:
    """Three channels per unit of scale, themes and currencies in rotation."""
    out = []
    for i in range(3 * max(scale, 1)):
        slug, title, desc = THEMES[i % len(THEMES)]
        if i >= len(THEMES):
            slug, title = f"{slug}-{i // len(THEMES) + 1}", f"{title} {i // len(THEMES) + 1}"
        code, symbol, factor = CURRENCIES[i % len(CURRENCIES)]
        r = rng(seed, P, "channel", i)
        hosts = []
        for h in range(2):
            first = r.choice(FIRST_NAMES)
            hosts.append(
                {
                    "displayName": f"{first} {chr(65 + r.randrange(26))}.",
                    "id": det_uuid(seed, "host", i, h),
                    "username": f"{first.lower().replace('é', 'e')}.{slug}{h}",
                    "traits": [
                        {
                            "key": "originUserId",
                            "value": numeric_id(seed, P, "host", i, h, digits=10),
                        }
                    ],
                }
            )
        out.append(
            Channel(
                i,
                det_uuid(seed, "channel", i),
                slug,
                slug.split("-")[0],
                title,
                f"{desc}, live from our studio.",
                code,
                symbol,
                factor,
                tuple(hosts),
            )
        )
    return out


def _money(value: float) -> float:
    """A shop price: whole units minus a cent (0.99 at the least)."""
    whole = round(value)
    return whole - 0.01 if whole > 1 else 0.99


def _price(code: str, symbol: str, price: float, sale: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {"currencyCode": code, "currencySymbol": symbol, "price": price}
    if sale is not None:
        out["salePrice"] = sale
    return out


def make_catalog(seed: int, channel: Channel) -> list[dict[str, Any]]:
    """A channel's products as ``itemData``, shaped like the reference's example.

    ``price`` is in the channel's currency. Like the reference, some products also carry
    ``storeOverrides`` (another store's price, in another currency), ``variants`` (each with
    its own price) and a ``unitPrice``: a source must take the product's own ``price``.
    """
    r = rng(seed, P, "catalog", channel.id)
    store, store_code, store_symbol, store_rate = OVERRIDE_STORES[channel.currency]
    out = []
    for k in range(24):
        noun = PRODUCT_NOUNS[channel.theme][k % 5]
        name = f"{PRODUCT_WORDS[k % len(PRODUCT_WORDS)]} {noun}"
        price = _money(BASE_PRICE[channel.theme] * math.exp(r.gauss(0, 0.5)) * channel.price_factor)
        sale = round(price * r.uniform(0.6, 0.9), 2) if r.random() < 0.35 else None
        pid = det_uuid(seed, "product", channel.id, k)
        item: dict[str, Any] = {
            "brand": {"*": f"{channel.title} Collective"},
            "description": {"*": f"Our {name.lower()}, picked for the {channel.title} studio."},
            "hasStock": r.random() > 0.1,
            "id": pid,
            "mainImage": {"height": 1920, "url": f"{CDN}/products/{pid}.jpg", "width": 1080},
            "name": name,
            "price": _price(channel.currency, channel.symbol, price, sale),
            "reference": numeric_id(seed, P, "ref", channel.id, k, digits=10),
            "title": {"*": name},
            "url": f"https://shop.sandbox.example/p/{pid}",
        }
        unit = UNIT_SIZES.get(channel.theme)
        if unit is not None:
            measure, per, contents = unit
            content = r.choice(contents)
            item["price"]["unitPrice"] = {
                "baseUnit": measure,
                "baseValue": content,
                "measureUnit": measure,
                "measureValue": per,
                "value": round((sale or price) / content * per, 2),
            }
        if r.random() < 0.3:
            other = _money(price * store_rate)
            item["storeOverrides"] = [
                {
                    "hasStock": item["hasStock"],
                    "price": _price(store_code, store_symbol, other, None),
                    "store": store,
                }
            ]
        sizes = VARIANT_SIZES.get(channel.theme)
        if sizes and r.random() < 0.3:
            item["variants"] = [
                {
                    "hasStock": r.random() > 0.2,
                    "id": (vid := det_uuid(seed, "variant", pid, v)),
                    "mainImage": image(1080, 1920, 1_234_567, f"products/{vid}.jpg"),
                    "price": _price(channel.currency, channel.symbol, _money(price * f), None),
                    "reference": numeric_id(seed, P, "vref", pid, v, digits=10),
                    "title": {"*": f"{name} - {size}"},
                    "variations": [{"type": "size", "value": {"*": size}}],
                }
                for v, (size, f) in enumerate(sizes)
            ]
        out.append(item)
    return out


class World:
    """The static world, generated lazily per day and cached (safe to share across threads)."""

    def __init__(self, seed: int, scale: int, days: int) -> None:
        self.seed = seed
        self.days = days
        self.channels = make_channels(seed, scale)
        self.by_slug = {c.slug: c for c in self.channels}
        self.catalogs = {c.slug: make_catalog(seed, c) for c in self.channels}
        self._days: dict[date, list[ShowSeed]] = {}
        self._lock = threading.Lock()

    def shows_on(self, day: date) -> list[ShowSeed]:
        """The shows scheduled on ``day`` (UTC): one to three per channel, now and then one
        in no channel, and on two days out of three one of the midnight cases (see
        ``special_kind``)."""
        shows = self._days.get(day)
        if shows is None:
            shows = []
            for channel in self.channels:
                r = rng(self.seed, P, "day", channel.id, day.isoformat())
                for k in range(r.choice((1, 2, 2, 3, 3))):
                    shows.append(self._show(channel, day, k))
            if rng(self.seed, P, "loose", day.isoformat()).random() < 0.15:
                shows.append(self._show(None, day, 9))
            kind = self.special_kind(day)
            if kind == "late":
                channel = self.channels[day.toordinal() // 3 % len(self.channels)]
                shows.append(self._show(channel, day, 7, kind))
            elif kind == "early":
                shows.append(self._show(None, day, 8, kind))
            with self._lock:
                self._days.setdefault(day, shows)
                shows = self._days[day]
        return shows

    def special_kind(self, day: date) -> str | None:
        """Which midnight case ``day`` holds, so partitioning by stream start gets tested.

        ``late``: a channel's show scheduled 23:35-23:55 whose streams start after midnight,
        so its session falls on the next day. ``early``: a show in no channel scheduled
        00:00-00:10 whose stream starts before midnight, so its session falls on the day
        before. Every third day has neither.
        """
        return ("late", "early", None)[(day.toordinal() + self.seed) % 3]

    def window_days(self, now: float) -> list[date]:
        today = datetime.fromtimestamp(now, tz=UTC).date()
        return [today + timedelta(d) for d in range(-self.days, UPCOMING_DAYS + 1)]

    def find(self, show_id: str) -> ShowSeed | None:
        """A show already generated (every show the API has served is)."""
        with self._lock:
            days = list(self._days.values())
        for shows in days:
            for show in shows:
                if show.id == show_id:
                    return show
        return None

    def edit(self, show_id: str, at: int, title: dict[str, str] | None) -> ShowSeed:
        """Record an edit of a show at ``at``: a ``Show:update`` in its timeline and, if
        given, a new title from then on. Returns the edited show."""
        show = self.find(show_id)
        if show is None:
            raise KeyError(show_id)
        events = tuple(sorted((*show.events, (at, "Show:update"))))
        edited = replace(
            show,
            edits=(*show.edits, (at, dict(title) if title is not None else None)),
            events=events,
            times=tuple(t for t, _ in events),
        )
        with self._lock:
            shows = self._days[show.day]
            shows[shows.index(show)] = edited
        return edited

    def _show(self, channel: Channel | None, day: date, k: int, kind: str = "") -> ShowSeed:
        """One show. ``channel`` None is a show not assigned to any channel; ``kind`` is
        empty or one of ``special_kind``'s cases."""
        seed = self.seed
        key = (channel.id if channel else "none", day.isoformat(), k)
        r = rng(seed, P, "show", *key)
        sid = det_uuid(seed, "show", *key)
        chans: tuple[Channel, ...] = ()
        if channel is not None:
            chans = (channel,)
            if len(self.channels) > 1 and r.random() < 0.08:
                other = r.choice([c for c in self.channels if c is not channel])
                chans = (other, channel) if r.random() < 0.5 else (channel, other)
        home = chans[0] if chans else self.channels[0]
        when = day_start(day) + r.randrange(8 * 3600, 21 * 3600, 300)
        first = when + r.randrange(-300, 900, 15)
        on_air = r.random() >= 0.04  # a few announced shows never go on air
        if kind == "late":
            when = day_start(day) + r.randrange(23 * 3600 + 35 * 60, 23 * 3600 + 56 * 60, 300)
            first, on_air = day_start(day) + DAY_S + r.randrange(60, 1200, 15), True
        elif kind == "early":
            when = day_start(day) + r.randrange(0, 11 * 60, 300)
            first, on_air = day_start(day) - r.randrange(60, 600, 15), True
        created = when - r.randrange(3600, UPCOMING_DAYS * DAY_S, 60)
        published = created + min(r.randrange(300, 6 * 3600, 60), (when - created) // 2)
        title = r.choice(TITLES)
        streams: list[Stream] = []
        if on_air:
            start = first
            for n in range(1 if r.random() < 0.75 else 2):
                length = int(r.triangular(900, 7200, 2700))
                viewers = max(3, int(math.exp(r.gauss(6.6 - n * 0.7, 1.0))))
                clips = tuple(
                    det_uuid(seed, "clip", sid, n, c) for c in range(r.choice((0, 1, 2, 3)))
                )
                streams.append(
                    Stream(
                        det_uuid(seed, "stream", sid, n),
                        start,
                        start + length,
                        viewers,
                        int(viewers * r.uniform(0.2, 1.6)),
                        int(viewers * r.uniform(0.05, 0.45)),
                        det_uuid(seed, "recording", sid, n),
                        clips,
                    )
                )
                start = start + length + r.randrange(120, 1200, 15)
        updated = streams[-1].end + r.randrange(1200, 5400, 60) if streams else None
        archived = None
        if r.random() < 0.06:
            base = streams[-1].end if streams else when + 3600
            archived = base + r.randrange(DAY_S, ARCHIVE_MAX_DAYS * DAY_S, 60)
        catalog = self.catalogs[home.slug]
        products = tuple(r.sample(catalog, r.randint(3, 10)))
        title_map = {"*": title}
        if home.currency in ("EUR", "CHF") and r.random() < 0.5:
            title_map["de"] = TITLES_DE[title]
        if r.random() < 0.2:
            title_map["fr"] = TITLES_FR[title]
        events: list[tuple[int, str]] = [(created, "Show:create"), (published, "Show:publish")]
        for s in streams:
            events += [(s.start, "Show:start"), (s.end, "Show:stop")]
        if updated is not None:
            events.append((updated, "Show:update"))
        if archived is not None:
            events.append((archived, "Show:delete"))
        return ShowSeed(
            id=sid,
            day=day,
            index=k,
            name=f"{home.slug.upper().replace('-', '')}{day:%m%d}{k}",
            title=title_map,
            description=f"Join {home.hosts[0]['displayName']} for {title.lower()} in {home.title}.",
            channels=chans,
            date=when,
            created=created,
            published=published,
            streams=tuple(streams),
            updated=updated,
            archived=archived,
            products=products,
            hosts=home.hosts[: 1 + (r.random() < 0.4)],
            access_token=det_uuid(seed, "access", sid),
            preview_token=det_uuid(seed, "preview", sid),
            sticker=r.random() < 0.3,
            snippets=r.choice((0, 1, 1, 2)) if streams else 0,
            events=tuple(sorted(events)),
            times=tuple(sorted(t for t, _ in events)),
            kind=kind,
        )

    def render_show(self, show: ShowSeed, now: float) -> dict[str, Any]:
        """The show as ``GET /shows/{id}`` answers at ``now``."""
        past = [(t, e) for t, e in show.events if t <= now]
        status = "draft"
        if show.published <= now:
            status = "ready"
        if show.archived is not None and show.archived <= now:
            status = "archived"
        replay = show.updated is not None and show.updated <= now
        streams = []
        for s in show.streams:
            if s.start > now:
                continue
            stream: dict[str, Any] = {"id": s.id}
            if now >= s.end:
                stream["end"] = iso(s.end)
            stream["metrics"] = s.metrics(now)
            stream["recordings"] = [self._recording(s)] if replay else []
            stream["shortClips"] = (
                [
                    {
                        "assets": clip_assets(c),
                        "id": c,
                        "orientation": "portrait",
                        "url": f"{CDN}/clips/{c}.mp4",
                    }
                    for c in s.clip_ids
                ]
                if replay
                else []
            )
            stream["start"] = iso(s.start)
            stream["type"] = "live"
            streams.append(stream)
        meta: dict[str, Any] = {"createdAt": iso(show.created), "modifiedAt": iso(past[-1][0])}
        if status == "archived":
            meta["archivedAt"] = iso(show.archived or 0)
        title = show.title_at(now)
        options: dict[str, Any] = {
            "addToCalendar": True,
            "backgroundColor": "transparent",
            "carouselReplay": True,
            "carouselReplayEvents": True,
            "chatReplay": True,
            "countdown": True,
            "hostAvatars": True,
            "language": next((lang for lang in title if lang != "*"), "en"),
            "share": True,
            "showDate": True,
            "videoOutput": ["portrait"],
            "videoProfile": "720p_2",
        }
        if replay and show.updated is not None:
            options["enableReplayAt"] = iso(show.updated)
        return {
            "id": show.id,
            "meta": meta,
            "name": show.name,
            "status": status,
            "accessToken": show.access_token,
            "accessibility": "public",
            "assets": {
                "card": image(1080, 1920, 301_442, f"shows/{show.id}/card.jpg"),
                "coverLandscape": image(1920, 1080, 344_019, f"shows/{show.id}/cover-l.jpg"),
                "coverPortrait": image(1080, 1920, 352_120, f"shows/{show.id}/cover.jpg"),
            },
            "conducted": bool(show.streams) and show.streams[0].start <= now,
            "date": iso(show.date),
            "description": {"*": show.description},
            "features": {
                "carousel": {
                    "enabled": True,
                    "items": [
                        {
                            "highlighted": i == 0,
                            "itemId": p["id"],
                            "position": i + 1,
                            "sold": not p["hasStock"],
                            "visible": True,
                            "type": "product",
                            "itemData": p,
                        }
                        for i, p in enumerate(show.products)
                    ],
                },
                "chat": {"enabled": True},
            },
            "hosts": list(show.hosts),
            "live": show.live_at(now),
            "options": options,
            "preRecorded": False,
            "preview": {"enabled": status == "draft", "token": show.preview_token},
            "promotion": ["alert"],
            "rtmpDestinations": [],
            "streams": streams,
            "title": title,
            "views": {
                "preShow": self._view(show, "pre", title, show.description, "#e1498c"),
                "replay": self._view(
                    show, "replay", {"*": "Watch the replay"}, "Watch it again.", "#c35fc9"
                ),
            },
        }

    def _view(
        self, show: ShowSeed, name: str, title: dict[str, str], teaser: str, color: str
    ) -> dict[str, Any]:
        return {
            "assets": {"coverPortrait": image(1080, 1920, 352_120, f"shows/{show.id}/{name}.jpg")},
            "title": title,
            "teaser": {"*": teaser},
            "options": {"backgroundColor": color},
        }

    def _recording(self, s: Stream) -> dict[str, Any]:
        return {
            "id": s.recording_id,
            "orientation": "portrait",
            "poster": image(1080, 1920, 210_004, f"recordings/{s.recording_id}.jpg"),
            "startAt": 0,
            "subtitles": [],
            "video": {
                "durationInMs": (s.end - s.start) * 1000,
                "hash": HASH,
                "height": 1920,
                "sizeInBytes": (s.end - s.start) * 250_000,
                "url": f"{CDN}/recordings/{s.recording_id}.mp4",
                "width": 1080,
            },
        }


def clip_assets(clip_id: str) -> dict[str, Any]:
    return {
        "medium": {
            "durationInMs": 8000,
            "hash": HASH,
            "height": 640,
            "sizeInBytes": 713_630,
            "url": f"{CDN}/clips/{clip_id}-m.mp4",
            "width": 360,
        },
        "small": {
            "durationInMs": 8000,
            "hash": HASH,
            "height": 256,
            "sizeInBytes": 79_078,
            "url": f"{CDN}/clips/{clip_id}-s.mp4",
            "width": 144,
        },
    }
