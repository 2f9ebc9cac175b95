"""The two live-only Shopee answers the poller reads (docs/providers/shopee.md)."""

from __future__ import annotations

from typing import NotRequired

from pydantic import TypeAdapter, with_config
from typing_extensions import TypedDict

from pipelines.shopee.schema import LAX, Envelope


@with_config(LAX)
class Comment(TypedDict):
    comment_id: int
    content: NotRequired[str | None]
    timestamp: NotRequired[int | None]  # milliseconds in Shopee's samples
    user_id: NotRequired[int | None]
    username: NotRequired[str | None]


@with_config(LAX)
class CommentPage(TypedDict):
    next_offset: NotRequired[int | None]
    list: list[Comment]


COMMENTS = TypeAdapter(Envelope[CommentPage])

COMMENT = "shopee.comment"
METRIC = "shopee.metric"
SESSION = "shopee.session"
