"""Point-in-time reads: a channel's state, who is watching it, and the top channels list.

Each row is stamped with the snapshot's ``observed_at``. A channel's state is what Trovo
sessions are derived from (models/staging/trovo.py): ``started_at``/``ended_at`` name the
latest stream, and ``ended_at < started_at`` means it is live now.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from pipelines.drift import added_fields
from pipelines.trovo.helpers import TrovoApi
from pipelines.trovo.schema import CHANNEL_FIELDS, ROLES, Role, TopChannel
from pipelines.trovo.settings import PROVIDER, VIEWERS_LIMIT

log = logging.getLogger("lsw.trovo")

_ROLE_COLUMNS = {role.lower(): f"viewers_{role.lower()}" for role in ROLES}


def channel_row(api: TrovoApi, channel_id: str, observed: datetime) -> dict[str, Any]:
    """One channel's state now (``POST /channels/id``)."""
    info = api.channel(channel_id)
    row = {
        "channel_id": channel_id,
        "observed_at": observed,
        "is_live": info.get("is_live"),
        "live_title": info.get("live_title"),
        "category_id": info.get("category_id"),
        "category_name": info.get("category_name"),
        "current_viewers": info.get("current_viewers"),
        "followers": info.get("followers"),
        "subscriber_num": info.get("subscriber_num"),
        "started_at": info.get("started_at"),
        "ended_at": info.get("ended_at"),
        "username": info.get("username"),
        "language_code": info.get("language_code"),
        "audi_type": info.get("audi_type"),
    }
    return row | added_fields(info, CHANNEL_FIELDS, row)


def viewers_row(api: TrovoApi, channel_id: str, observed: datetime) -> dict[str, Any]:
    """How many logged-in viewers a channel has now, in all and per role.

    The list is paged by an offset with no cursor in the answer; one page holds up to
    100,000 viewers, so a second page is asked for only past that.
    """
    counts: Counter[str] = Counter()
    custom: Counter[str] = Counter()
    total: int | None = None
    title: str | None = None
    cursor = 0
    while True:
        page = api.viewers(channel_id, cursor)
        total, title = page["total"], page.get("live_title")
        listed = _count_roles(page.get("chatters") or {}, counts, custom)
        custom_roles = page.get("custome_roles") or page.get("custom_roles") or {}
        _count_roles(custom_roles, custom, custom)
        cursor += VIEWERS_LIMIT
        if listed < VIEWERS_LIMIT or cursor >= total:
            break
    row: dict[str, Any] = {
        "channel_id": channel_id,
        "observed_at": observed,
        "live_title": title,
        "viewers_total": total,
        "custom_roles": orjson.dumps(dict(sorted(custom.items()))).decode() if custom else None,
    }
    row.update({column: counts.get(role, 0) for role, column in _ROLE_COLUMNS.items()})
    return row


def _count_roles(groups: dict[str, Role], known: Counter[str], other: Counter[str]) -> int:
    """Add each role's viewers to ``known`` (the reference's roles) or ``other``; return
    how many the page listed in all."""
    listed = 0
    for role, group in groups.items():
        n = len(group.get("viewers") or [])
        (known if role.lower() in _ROLE_COLUMNS else other)[role.lower()] += n
        listed = max(listed, n)
    return listed


@dataclass
class TopChannels:
    """The de-duplicated list, in rank order, and how the walk went."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    total_pages: int = 0
    cut: bool = False  # the page cap stopped the walk before the list's end


def top_channels(
    api: TrovoApi, category: str | None, max_pages: int, observed: datetime
) -> TopChannels:
    """Every live channel by viewers: the first call without a token, then the answer's
    ``token`` and ``cursor`` sent back until ``cursor >= total_page``.

    The list refreshes every minute, so a walk that spans one repeats or skips channels
    (the reference warns): the first, higher-ranked, sighting of a channel is kept.
    """
    result = TopChannels()
    seen: set[str] = set()
    token, cursor = "", 0
    for _ in range(max_pages):
        page = api.top_channels(token, cursor, category)
        result.pages += 1
        listed = page.get("top_channels_lists") or []
        for entry in listed:
            if entry["channel_id"] not in seen:
                seen.add(entry["channel_id"])
                result.rows.append(_top_row(entry, len(result.rows) + 1, category, observed))
        result.total_pages = page.get("total_page") or 0
        answered = page.get("cursor")
        if not listed or answered is None or answered <= cursor:
            return result
        if answered >= result.total_pages:
            return result
        token, cursor = page.get("token") or token, answered
    result.cut = True
    log.info(
        "%s: top channels: %d of %d pages read (top_channels_max_pages=%d)",
        PROVIDER,
        result.pages,
        result.total_pages,
        max_pages,
    )
    return result


def _top_row(
    entry: TopChannel, rank: int, category: str | None, observed: datetime
) -> dict[str, Any]:
    return {
        "channel_id": entry["channel_id"],
        "observed_at": observed,
        "rank": rank,
        "category_filter": category,
        "is_live": entry.get("is_live"),
        "title": entry.get("title"),
        "current_viewers": entry.get("current_viewers"),
        "num_followers": entry.get("num_followers"),
        "category_id": entry.get("category_id"),
        "category_name": entry.get("category_name"),
        "language_code": entry.get("language_code"),
        "audi_type": entry.get("audi_type"),
        "nick_name": entry.get("nick_name"),
        "username": entry.get("username"),
        "video_resolution": entry.get("video_resolution"),
        "chatters_count": entry.get("chatters_count"),
        "stream_started_at": entry.get("stream_started_at"),
    }
