"""The shapes lisa-customer-api.md documents for shows and channels, checked on arrival, and
the arrow schemas of the raw tables.

Validation is strict where a row would be wrong (a show without id or scheduled date, a stream
without id or start, a time that is not ISO-8601) and lax where a real API drifts harmlessly:
numbers sent as strings, a cosmetic field of the wrong type, fields nobody documented. Texts
are LiSA's multilingual maps (``{"*": default, "fr": ...}``); every language is kept, as JSON,
in the raw tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, NotRequired

import pyarrow as pa
from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

from pipelines.validation import Cosmetic

Texts = dict[str, str]  # language -> text; "*" is the default


@with_config(ConfigDict(extra="ignore"))
class Metrics(TypedDict):
    durationInMs: NotRequired[int | None]
    numberOfEmojis: NotRequired[int | None]
    numberOfMessages: NotRequired[int | None]
    numberOfViewers: NotRequired[int | None]


@with_config(ConfigDict(extra="ignore"))
class Stream(TypedDict):
    id: str
    start: datetime
    end: NotRequired[datetime | None]  # absent while the stream is live
    type: NotRequired[Annotated[str | None, Cosmetic]]
    metrics: NotRequired[Metrics | None]


@with_config(ConfigDict(extra="ignore"))
class Price(TypedDict):
    currencyCode: str
    price: float
    salePrice: NotRequired[float | None]


@with_config(ConfigDict(extra="ignore"))
class ItemData(TypedDict):
    """A carousel product; ``storeOverrides`` and ``variants`` are other stores' and sizes'
    prices: the product's own ``price`` is the one kept."""

    id: str
    name: NotRequired[Annotated[str | None, Cosmetic]]
    title: NotRequired[Annotated[Texts | None, Cosmetic]]
    brand: NotRequired[Annotated[Texts | None, Cosmetic]]
    reference: NotRequired[Annotated[str | None, Cosmetic]]
    hasStock: NotRequired[Annotated[bool | None, Cosmetic]]
    price: NotRequired[Price | None]


@with_config(ConfigDict(extra="ignore"))
class CarouselItem(TypedDict):
    itemId: NotRequired[Annotated[str | None, Cosmetic]]
    position: NotRequired[Annotated[int | None, Cosmetic]]
    type: NotRequired[Annotated[str | None, Cosmetic]]
    highlighted: NotRequired[Annotated[bool | None, Cosmetic]]
    sold: NotRequired[Annotated[bool | None, Cosmetic]]
    visible: NotRequired[Annotated[bool | None, Cosmetic]]
    itemData: NotRequired[ItemData | None]


@with_config(ConfigDict(extra="ignore"))
class Carousel(TypedDict):
    items: NotRequired[list[CarouselItem] | None]


@with_config(ConfigDict(extra="ignore"))
class Features(TypedDict):
    carousel: NotRequired[Carousel | None]


@with_config(ConfigDict(extra="ignore"))
class Meta(TypedDict):
    createdAt: NotRequired[Annotated[datetime | None, Cosmetic]]
    modifiedAt: NotRequired[datetime | None]  # what the incremental refresh's mark follows
    archivedAt: NotRequired[Annotated[datetime | None, Cosmetic]]


# extra="allow": a field LiSA adds to a show is kept and lands as a column of its own in
# ``shows`` (pipelines/drift.py)
@with_config(ConfigDict(extra="allow"))
class Show(TypedDict):
    """A show as ``GET /shows`` lists it. It does not name its channels (the reference's
    show has no such field): the ``channel`` filter is how they are learned."""

    id: str
    date: datetime  # scheduled
    meta: NotRequired[Meta | None]
    name: NotRequired[Annotated[str | None, Cosmetic]]
    status: NotRequired[str | None]
    title: NotRequired[Annotated[Texts | None, Cosmetic]]
    description: NotRequired[Annotated[Texts | None, Cosmetic]]
    conducted: NotRequired[Annotated[bool | None, Cosmetic]]
    live: NotRequired[Annotated[bool | None, Cosmetic]]
    streams: NotRequired[list[Stream] | None]
    features: NotRequired[Features | None]


@with_config(ConfigDict(extra="ignore"))
class Channel(TypedDict):
    id: str
    slug: str
    title: NotRequired[Annotated[Texts | None, Cosmetic]]
    description: NotRequired[Annotated[Texts | None, Cosmetic]]
    url: NotRequired[Annotated[str | None, Cosmetic]]


@with_config(ConfigDict(extra="ignore"))
class Scrolling(TypedDict):
    cursor: NotRequired[str | None]  # null or absent on the last page
    limit: NotRequired[int | None]
    numItemsTotal: NotRequired[int | None]


@with_config(ConfigDict(extra="ignore"))
class ShowPage(TypedDict):
    items: list[Show]
    scrolling: NotRequired[Scrolling | None]


@with_config(ConfigDict(extra="ignore"))
class ChannelPage(TypedDict):
    items: list[Channel]
    scrolling: NotRequired[Scrolling | None]


@with_config(ConfigDict(extra="ignore"))
class Count(TypedDict):
    count: int


SHOW_PAGE = TypeAdapter(ShowPage)

# Every field the reference names for a show, stored or not: anything else is an added field.
# Never stored, documented or added: the show's ``accessToken``, its ``preview`` (which carries
# the preview token), ``rtmpDestinations``, and stream keys (``streamKey``, ``rtmpUrl``), nor
# any added field named like a credential (pipelines/drift.py).
SHOW_FIELDS = frozenset(Show.__annotations__) | {
    "accessToken",
    "preview",
    "rtmpDestinations",
    "streamKey",
    "rtmpUrl",
    "credentials",
    "accessibility",
    "assets",
    "hosts",
    "options",
    "preRecorded",
    "promotion",
    "views",
    "hostAvatars",
    "language",
    "share",
    "showDate",
    "videoOutput",
    "videoProfile",
    "enableReplayAt",
    "countdown",
    "preShow",
    "poster",
}
CHANNEL_PAGE = TypeAdapter(ChannelPage)
COUNT = TypeAdapter(Count)

# What fct_sessions is built from: a stream answered without one is incomplete.
KEY_FIGURES = ("duration_ms", "viewers", "emojis", "messages")

TS = pa.timestamp("us", tz="UTC")
# Multilingual texts: language -> text, every language kept (a JSON column in DuckDB).
TEXTS = pa.map_(pa.string(), pa.string())

SHOWS = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        ("name", pa.string()),
        ("status", pa.string()),
        ("account_id", pa.string()),
        ("channels", pa.list_(pa.string())),  # channel slugs, in GET /channels order
        ("title_default", pa.string()),
        ("title", TEXTS),
        ("description", TEXTS),
        pa.field("scheduled_at", TS, nullable=False),
        ("created_at", TS),
        ("modified_at", TS),
        ("archived_at", TS),
        ("conducted", pa.bool_()),
        ("live", pa.bool_()),
        ("stream_count", pa.int64()),
    ]
)

STREAMS = pa.schema(
    [
        pa.field("stream_id", pa.string(), nullable=False),
        pa.field("show_id", pa.string(), nullable=False),
        ("type", pa.string()),
        pa.field("started_at", TS, nullable=False),
        ("ended_at", TS),
        ("duration_ms", pa.int64()),
        ("viewers", pa.int64()),
        ("emojis", pa.int64()),
        ("messages", pa.int64()),
    ]
)

SHOW_PRODUCTS = pa.schema(
    [
        pa.field("show_id", pa.string(), nullable=False),
        pa.field("product_id", pa.string(), nullable=False),
        ("position", pa.int64()),
        ("name", pa.string()),
        ("title_default", pa.string()),
        ("title", TEXTS),
        ("brand", TEXTS),
        ("reference", pa.string()),
        ("price", pa.float64()),
        ("sale_price", pa.float64()),
        ("currency", pa.string()),
        ("has_stock", pa.bool_()),
        ("highlighted", pa.bool_()),
        ("sold", pa.bool_()),
        ("visible", pa.bool_()),
    ]
)

CHANNELS = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("slug", pa.string(), nullable=False),
        ("position", pa.int64()),
        ("title_default", pa.string()),
        ("title", TEXTS),
        ("description", TEXTS),
        ("url", pa.string()),
    ]
)
