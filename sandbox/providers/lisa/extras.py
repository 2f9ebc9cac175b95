"""What hangs off LiSA's shows and channels: short clips, snippets, stickers and stories.

Each comes as (visible-from, body): it appears in the API once the clock passes that time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.providers.lisa.world import (
    CDN,
    HASH,
    TITLES,
    Channel,
    ShowSeed,
    World,
    clip_assets,
    day_start,
    det_uuid,
    image,
    iso,
)
from sandbox.seeds import rng

P = "lisa"
DAY_S = 86_400


def short_clips(world: World, show: ShowSeed) -> list[tuple[int, dict[str, Any]]]:
    """(visible-from, clip) for the show's short clips; they appear with the replay."""
    if show.updated is None:
        return []
    out = []
    for s in show.streams:
        r = rng(world.seed, P, "clips", s.id)
        for c in s.clip_ids:
            created = show.updated - r.randrange(60, 900)
            modified = created + r.randrange(5, 60)
            out.append(
                (
                    show.updated,
                    {
                        "id": c,
                        "assets": clip_assets(c),
                        "meta": {"createdAt": iso(created), "modifiedAt": iso(modified)},
                        "orientation": "portrait" if r.random() < 0.8 else "landscape",
                        "recordingId": s.recording_id,
                        "showId": show.id,
                        "startTimeInMs": r.randrange(0, (s.end - s.start - 20) * 1000),
                    },
                )
            )
    return out


def snippets(world: World, show: ShowSeed) -> list[tuple[int, dict[str, Any]]]:
    """Product snippets cut from the replay, visible once the replay is out."""
    if show.updated is None:
        return []
    out = []
    r = rng(world.seed, P, "snippets", show.id)
    total_ms = sum(s.end - s.start for s in show.streams) * 1000
    for n in range(show.snippets):
        refs = [p["reference"] for p in r.sample(show.products, min(2, len(show.products)))]
        start = r.randrange(0, max(1, total_ms - 120_000), 1000)
        length = r.randrange(20_000, 120_000, 1000)
        sid = "".join(
            r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            for _ in range(10)
        )
        video = {
            "durationInMs": length,
            "height": 1920,
            "url": f"{CDN}/snip/{sid}.mp4",
            "width": 1080,
        }
        out.append(
            (
                show.updated + 60 * (n + 1),
                {
                    "id": sid,
                    "endTimeInMs": start + length,
                    "language": (show.title.get("de") and "de") or "en",
                    "lastModifiedAt": iso(show.updated + 60 * (n + 1)),
                    "name": f"Show {show.id[:8]}: [{', '.join(refs)}]",
                    "productReferences": refs,
                    "previewImage": {
                        "hash": HASH,
                        "height": 1920,
                        "url": f"{CDN}/snip/{sid}.jpg",
                        "width": 1080,
                    },
                    "showId": show.id,
                    "snippetIdeaId": det_uuid(world.seed, "idea", show.id, n),
                    "startTimeInMs": start,
                    "video": video,
                    "videoFallback": dict(video),
                },
            )
        )
    return out


def stickers(world: World, show: ShowSeed) -> list[tuple[int, dict[str, Any]]]:
    """A voucher sticker on some shows, published with the show."""
    if not show.sticker:
        return []
    r = rng(world.seed, P, "sticker", show.id)
    pct = r.choice((10, 15, 20, 25))
    code = f"LIVE{pct}{show.name[-3:]}"
    text = {"*": f"{pct}%"}
    sticker = {
        "id": det_uuid(world.seed, "sticker", show.id),
        "name": f"Voucher {code}",
        "actionBehavior": "modal",
        "actionTarget": {"*": code},
        "assets": {"badgeThumbnail": image(256, 256, 12_034, f"stickers/{code}.png")},
        "badgeTitle": {"*": "Voucher"},
        "cardText": {"*": "Claim your voucher and add it to your cart."},
        "cardTitle": {"*": f"Voucher for {pct} % off"},
        "mediaItemId": show.id,
        "mediaItemType": "live",
        "isEnabled": True,
        "isPublished": True,
        "publishedAt": iso(show.published),
        "stickerDetails": {
            "ctaBehavior": "addToCart",
            "voucherCode": code,
            "voucherDiscountLabel": text,
            "voucherDiscountType": "percentage",
            "voucherDiscountValue": pct,
            "voucherExpiresAt": iso(show.date + 7 * DAY_S),
        },
        "stickerType": "voucher",
    }
    return [(show.published, sticker)]


def stories_on(world: World, channel: Channel, day: date) -> list[tuple[int, dict[str, Any]]]:
    """(published-at, story) of one channel's stories on one day."""
    r = rng(world.seed, P, "stories", channel.id, day.isoformat())
    out = []
    for n in range(r.choice((0, 0, 1, 2))):
        published = day_start(day) + r.randrange(6 * 3600, 22 * 3600, 60)
        sid = det_uuid(world.seed, "story", channel.id, day.isoformat(), n)
        name = f"{r.choice(TITLES)} ({channel.title})"
        length = r.randrange(8_000, 60_000, 500)
        out.append(
            (
                published,
                {
                    "channels": [{"id": channel.id, "slug": channel.slug}],
                    "creator": channel.hosts[n % len(channel.hosts)],
                    "description": {"*": f"{channel.hosts[0]['displayName']} shows you {name}."},
                    "durationInMs": length,
                    "id": sid,
                    "image": image(1080, 1920, 201_334, f"stories/{sid}.jpg"),
                    "isPublished": True,
                    "isOnline": True,
                    "name": name,
                    "products": r.sample(world.catalogs[channel.slug], 2),
                    "publishedAt": iso(published),
                    "title": {"*": name},
                    "video": {
                        "durationInMs": length,
                        "hash": HASH,
                        "height": 1920,
                        "sizeInBytes": length * 900,
                        "url": f"{CDN}/stories/{sid}.mp4",
                        "width": 1080,
                    },
                },
            )
        )
    return out
