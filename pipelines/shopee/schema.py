"""The shapes Shopee documents for its answers, checked on arrival, and the raw tables' schemas.

Validation is lax where a real API drifts harmlessly (numbers sent as strings, a cover image of
the wrong type) and strict where a row would be wrong (no session id, no status, no creation
time). Fields nobody reads downstream and that must never be stored (the push URL and key a
session streams with) are dropped on arrival: the TypedDicts do not name them.
"""

from __future__ import annotations

from typing import Annotated, Generic, NotRequired, TypeVar

import pyarrow as pa
from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

from pipelines.validation import Cosmetic

T = TypeVar("T")
LAX = ConfigDict(extra="ignore")


@with_config(LAX)
class Envelope(TypedDict, Generic[T]):
    """Every livestream answer: a non-empty ``error`` is a failure, whatever the HTTP status."""

    error: NotRequired[str | None]
    message: NotRequired[str | None]
    request_id: NotRequired[str | None]
    response: NotRequired[T | None]


@with_config(LAX)
class ErrorOnly(TypedDict):
    error: NotRequired[str | None]
    message: NotRequired[str | None]


@with_config(LAX)
class TokenAnswer(TypedDict):
    """refresh_access_token's flat answer. Once the new pair is in it, Shopee has rotated the
    refresh token: an ``error`` or ``message`` of the wrong type (damage on the way, as the
    classifier found no error code in it) must not throw that pair away and lock the account."""

    error: NotRequired[Annotated[str | None, Cosmetic]]
    message: NotRequired[Annotated[str | None, Cosmetic]]
    access_token: str
    refresh_token: str
    expire_in: int


@with_config(LAX)
class SessionDetail(TypedDict):
    session_id: int
    status: int  # 0 initial, 1 ongoing, 2 ended
    create_time: int  # seconds or milliseconds (docs/providers/shopee.md)
    title: NotRequired[str | None]
    description: NotRequired[Annotated[str | None, Cosmetic]]
    cover_image_url: NotRequired[Annotated[str | None, Cosmetic]]
    share_url: NotRequired[Annotated[str | None, Cosmetic]]
    is_test: NotRequired[Annotated[bool | None, Cosmetic]]
    update_time: NotRequired[Annotated[int | None, Cosmetic]]
    start_time: NotRequired[int | None]  # 0: not started
    end_time: NotRequired[int | None]  # 0: not ended


@with_config(LAX)
class SessionMetric(TypedDict):
    gmv: NotRequired[float | None]
    atc: NotRequired[int | None]
    ctr: NotRequired[float | None]
    co: NotRequired[float | None]
    orders: NotRequired[int | None]
    ccu: NotRequired[int | None]
    engage_ccu_1m: NotRequired[int | None]
    peak_ccu: NotRequired[int | None]
    likes: NotRequired[int | None]
    comments: NotRequired[int | None]
    shares: NotRequired[int | None]
    views: NotRequired[int | None]
    avg_viewing_duration: NotRequired[int | None]


@with_config(LAX)
class PriceInfo(TypedDict):
    currency: NotRequired[str | None]
    current_price: NotRequired[float | None]
    original_price: NotRequired[Annotated[float | None, Cosmetic]]


@with_config(LAX)
class Item(TypedDict):
    item_id: int
    shop_id: NotRequired[Annotated[int | None, Cosmetic]]
    name: NotRequired[str | None]
    image_url: NotRequired[Annotated[str | None, Cosmetic]]
    price_info: NotRequired[PriceInfo | None]


@with_config(LAX)
class ItemMetric(TypedDict):
    item_clicks: NotRequired[int | None]
    atc: NotRequired[int | None]
    sold_items: NotRequired[int | None]


@with_config(LAX)
class ItemMetricRow(TypedDict):
    item: Item
    metric: NotRequired[ItemMetric | None]


@with_config(LAX)
class AffiliateInfo(TypedDict):
    commission_rate: NotRequired[Annotated[float | None, Cosmetic]]
    is_campaign: NotRequired[Annotated[bool | None, Cosmetic]]
    campaign_mcn_name: NotRequired[Annotated[str | None, Cosmetic]]
    campaign_start_time: NotRequired[Annotated[int | None, Cosmetic]]
    campaign_end_time: NotRequired[Annotated[int | None, Cosmetic]]


@with_config(LAX)
class ListedItem(Item):
    item_no: NotRequired[Annotated[int | None, Cosmetic]]
    affiliate_info: NotRequired[AffiliateInfo | None]


R = TypeVar("R")


@with_config(LAX)
class Page(TypedDict, Generic[R]):
    more: bool
    next_offset: NotRequired[int | None]
    list: NotRequired[list[R] | None]


@with_config(LAX)
class ItemCount(TypedDict):
    item_count: NotRequired[int | None]
    max_item_count: NotRequired[int | None]


ERROR_ONLY = TypeAdapter(ErrorOnly)
TOKEN_ANSWER = TypeAdapter(TokenAnswer)
DETAIL = TypeAdapter(Envelope[SessionDetail])
METRIC = TypeAdapter(Envelope[SessionMetric])
ITEM_METRIC_PAGE = TypeAdapter(Envelope[Page[ItemMetricRow]])
ITEM_LIST_PAGE = TypeAdapter(Envelope[Page[ListedItem]])
ITEM_COUNT = TypeAdapter(Envelope[ItemCount])

# What fct_sessions and gmv_daily are built from: a metric answer without one is incomplete.
KEY_FIGURES = ("gmv", "views", "peak_ccu", "likes", "comments", "shares", "orders")

# Every table carries the account (user_id), the session and the session's date column.
_KEYS = [
    pa.field("user_id", pa.int64(), nullable=False),
    pa.field("session_id", pa.int64(), nullable=False),
    pa.field("session_start", pa.int64(), nullable=False),  # unix s: start, else creation
]

SESSIONS_SCHEMA = pa.schema(
    [
        *_KEYS,
        ("title", pa.string()),
        ("description", pa.string()),
        pa.field("status", pa.int64(), nullable=False),
        ("is_test", pa.bool_()),
        pa.field("create_time", pa.int64(), nullable=False),
        ("update_time", pa.int64()),
        ("start_time", pa.int64()),
        ("end_time", pa.int64()),
        ("cover_image_url", pa.string()),
        ("share_url", pa.string()),
        ("region", pa.string()),
        ("currency", pa.string()),
    ]
)

METRICS_SCHEMA = pa.schema(
    [
        *_KEYS,
        ("gmv", pa.float64()),
        ("currency", pa.string()),
        ("orders", pa.int64()),
        ("views", pa.int64()),
        ("peak_ccu", pa.int64()),
        ("ccu", pa.int64()),
        ("engage_ccu_1m", pa.int64()),
        ("likes", pa.int64()),
        ("comments", pa.int64()),
        ("shares", pa.int64()),
        ("atc", pa.int64()),
        ("ctr", pa.float64()),
        ("co", pa.float64()),
        ("avg_viewing_duration", pa.int64()),
    ]
)

_ITEM = [
    pa.field("item_id", pa.int64(), nullable=False),
    ("shop_id", pa.int64()),
    ("name", pa.string()),
    ("image_url", pa.string()),
    ("currency", pa.string()),
    ("current_price", pa.float64()),
    ("original_price", pa.float64()),
]

ITEM_METRICS_SCHEMA = pa.schema(
    [*_KEYS, *_ITEM, ("item_clicks", pa.int64()), ("atc", pa.int64()), ("sold_items", pa.int64())]
)

ITEMS_SCHEMA = pa.schema(
    [
        *_KEYS,
        ("item_no", pa.int64()),
        *_ITEM,
        ("commission_rate", pa.float64()),
        ("is_campaign", pa.bool_()),
        ("campaign_mcn_name", pa.string()),
        ("campaign_start_time", pa.int64()),
        ("campaign_end_time", pa.int64()),
    ]
)
