"""One channel's followers of a window, read newest first so a daily run reads only what is new.

Trovo pages followers with a ``cursor`` that its own sample shows as an offset, where top
channels count pages; docs/providers/trovo.md says rely on neither: send back the cursor the answer
carries, and stop on an empty page, a cursor that does not move, or once ``total`` followers
are in hand. With ``direction: desc`` (newest first) a run stops too at the first page whose
oldest follow is before the window's start: every later page is older still. That shortcut
is taken only while the pages really come newest first, so a server that ignores
``direction`` is read to the end instead of being cut short.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipelines.errors import AuthError, ProviderError
from pipelines.paging import NewestFirst
from pipelines.trovo.errors import NotFound
from pipelines.trovo.helpers import TrovoApi
from pipelines.trovo.schema import Follower
from pipelines.trovo.settings import MAX_PAGES


@dataclass
class ChannelFollowers:
    """Followers of one channel inside the window, and why paging ended if not by design."""

    channel_id: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    missing: ProviderError | None = None  # the channel does not exist: skipped
    error: ProviderError | None = None
    stopped: bool = False  # another channel's failure stopped this one early
    complete_after: datetime | None = None  # follows after this were all read (when stopped)


def fetch_followers(
    api: TrovoApi, channel_id: str, start: datetime, end: datetime, stop: threading.Event
) -> ChannelFollowers:
    """Page ``channel_id``'s followers newest first, keeping follows in [start, end)."""
    result = ChannelFollowers(channel_id)
    cursor, held = 0, 0
    order = NewestFirst(start)
    for _ in range(MAX_PAGES):
        if stop.is_set():
            result.stopped = True
            break
        try:
            page = api.followers(channel_id, cursor, "desc")
        except NotFound as exc:
            result.missing = exc
            break
        except ProviderError as exc:
            result.error = exc
            if isinstance(exc, AuthError):
                stop.set()  # a refused Client-ID fails every channel alike: stop now
            break
        result.pages += 1
        followers = page.get("follower") or []
        if not followers:
            break
        result.rows.extend(
            _row(channel_id, f) for f in followers if start <= f["followed_at"] < end
        )
        held += len(followers)
        stop_here = order.past_window([f["followed_at"] for f in followers])
        result.complete_after = order.complete_after
        if stop_here:
            break  # every later follower followed earlier still
        answered = page.get("cursor")
        # without a cursor in the answer, the reference's sample says it is the offset
        following = answered if answered is not None else cursor + len(followers)
        total = page.get("total")
        if following <= cursor or (total is not None and held >= total):
            break
        cursor = following
    return result


def _row(channel_id: str, follower: Follower) -> dict[str, Any]:
    return {
        "channel_id": channel_id,
        "user_id": follower["user_id"],
        "followed_at": follower["followed_at"],
        "nickname": follower.get("nickname"),
        "profile_pic": follower.get("profile_pic"),
    }
