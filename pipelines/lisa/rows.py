"""LiSA's answers as raw table rows: one per show, per stream, per carousel product, per channel.

Texts keep every language (a JSON column in the warehouse); ``title_default`` holds the ``*``
text the marts use.
Tokens a show carries (``accessToken``, the preview token) are never made into columns; a field
LiSA adds to a show is (pipelines/drift.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pipelines.drift import added_fields
from pipelines.lisa.schema import SHOW_FIELDS, Channel, Show, Stream, Texts


def parse_time(value: str | None) -> datetime | None:
    """An ISO-8601 instant (``2026-11-18T00:10:00.000Z``) as an aware UTC datetime."""
    return utc(datetime.fromisoformat(value.replace("Z", "+00:00"))) if value else None


def utc(moment: datetime | None) -> datetime | None:
    """Aware and in UTC; a time without an offset is taken as UTC, as LiSA writes them."""
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def default_text(texts: Texts | None) -> str | None:
    """The ``*`` text, else the first language given."""
    if not texts:
        return None
    return texts.get("*") or next(iter(texts.values()), None)


def show_row(show: Show, channels: list[str], account_id: str) -> dict[str, Any]:
    meta = show.get("meta") or {}
    row = {
        "id": show["id"],
        "name": show.get("name"),
        "status": show.get("status"),
        "account_id": channels[0] if channels else account_id,
        "channels": list(channels),
        "title_default": default_text(show.get("title")),
        "title": show.get("title"),
        "description": show.get("description"),
        "scheduled_at": utc(show["date"]),
        "created_at": utc(meta.get("createdAt")),
        "modified_at": utc(meta.get("modifiedAt")),
        "archived_at": utc(meta.get("archivedAt")),
        "conducted": show.get("conducted"),
        "live": show.get("live"),
        "stream_count": len(show.get("streams") or []),
    }
    return row | added_fields(show, SHOW_FIELDS, row)


def stream_row(show_id: str, stream: Stream) -> dict[str, Any]:
    metrics = stream.get("metrics") or {}
    return {
        "stream_id": stream["id"],
        "show_id": show_id,
        "type": stream.get("type"),
        "started_at": utc(stream["start"]),
        "ended_at": utc(stream.get("end")),
        "duration_ms": metrics.get("durationInMs"),
        "viewers": metrics.get("numberOfViewers"),
        "emojis": metrics.get("numberOfEmojis"),
        "messages": metrics.get("numberOfMessages"),
    }


def product_rows(show: Show) -> list[dict[str, Any]]:
    """The show's carousel products, once each (the first position wins)."""
    carousel = (show.get("features") or {}).get("carousel") or {}
    rows: dict[str, dict[str, Any]] = {}
    for position, item in enumerate(carousel.get("items") or [], 1):
        data = item.get("itemData")
        if data is None or data["id"] in rows:
            continue
        price: Mapping[str, Any] = data.get("price") or {}
        rows[data["id"]] = {
            "show_id": show["id"],
            "product_id": data["id"],
            "position": item.get("position") or position,
            "name": data.get("name"),
            "title_default": default_text(data.get("title")) or data.get("name"),
            "title": data.get("title"),
            "brand": data.get("brand"),
            "reference": data.get("reference"),
            "price": price.get("price"),
            "sale_price": price.get("salePrice"),
            "currency": price.get("currencyCode"),
            "has_stock": data.get("hasStock"),
            "highlighted": item.get("highlighted"),
            "sold": item.get("sold"),
            "visible": item.get("visible"),
        }
    return list(rows.values())


def channel_row(channel: Channel, position: int) -> dict[str, Any]:
    return {
        "id": channel["id"],
        "slug": channel["slug"],
        "position": position,
        "title_default": default_text(channel.get("title")),
        "title": channel.get("title"),
        "description": channel.get("description"),
        "url": channel.get("url"),
    }
