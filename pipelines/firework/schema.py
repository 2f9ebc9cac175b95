"""The shapes firework-livestreams.md documents, checked on arrival, and the raw tables' schemas.

Validation is strict where a row would be wrong (no status, no products list, an id missing, a
schedule that is not a time) and lax where a real API drifts harmlessly (ids or prices sent as
the other JSON type, a cosmetic field of the wrong type, undocumented fields: those of a
livestream's detail kept as columns, the rest left out). A product without its currency or a
unit without its price is kept but counted: such a livestream's rows wait in
``<table>_incomplete`` and never replace a complete answer loaded before
(pipelines/figures.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, NotRequired

import pyarrow as pa
from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

from pipelines.validation import Cosmetic

LAX = ConfigDict(coerce_numbers_to_str=True, extra="ignore")


@with_config(LAX)
class Image(TypedDict):
    id: str
    image_src: NotRequired[Annotated[str | None, Cosmetic]]
    image_position: NotRequired[Annotated[int | None, Cosmetic]]


@with_config(LAX)
class Unit(TypedDict):
    id: str
    unit_name: NotRequired[Annotated[str | None, Cosmetic]]
    unit_price: NotRequired[float | None]
    unit_price_string: NotRequired[Annotated[str | None, Cosmetic]]
    unit_ext_id: NotRequired[Annotated[str | None, Cosmetic]]


@with_config(LAX)
class Product(TypedDict):
    id: str
    product_name: NotRequired[str | None]
    product_description: NotRequired[Annotated[str | None, Cosmetic]]
    product_currency: NotRequired[str | None]
    product_images: NotRequired[list[Image] | None]
    product_units: NotRequired[list[Unit] | None]


# extra="allow": a field Firework adds to a livestream's detail is kept and lands as a column of
# its own in ``livestreams`` (pipelines/drift.py); products, units and images keep ignoring theirs
@with_config(ConfigDict(coerce_numbers_to_str=True, extra="allow"))
class Detail(TypedDict):
    status: str
    scheduled_at: NotRequired[datetime | None]
    event_name: NotRequired[str | None]
    event_description: NotRequired[Annotated[str | None, Cosmetic]]
    products: list[Product]


@with_config(ConfigDict(extra="ignore"))
class TokenAnswer(TypedDict):
    access_token: str
    token_type: NotRequired[str | None]
    expires_in: int


DETAIL = TypeAdapter(Detail)

# Every field the reference names for a detail: anything else is an added field. An added
# field named like a credential (an access token, a client secret, a stream key) is never
# stored (pipelines/drift.py).
DETAIL_FIELDS = frozenset(Detail.__annotations__)
TOKEN = TypeAdapter(TokenAnswer)

STATUSES = frozenset({"idle", "active", "paused", "replay", "completed", "expired"})
FINAL = frozenset({"completed", "expired"})  # statuses a livestream never leaves

# What product_performance is built from: a product or unit answered without one is incomplete.
PRODUCT_FIGURES = ("product_currency",)
UNIT_FIGURES = ("unit_price",)

UTC_TS = pa.timestamp("us", tz="UTC")

LIVESTREAMS = pa.schema(
    [
        pa.field("livestream_id", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        ("scheduled_at", UTC_TS),
        pa.field("session_start", UTC_TS, nullable=False),
        ("event_name", pa.string()),
        ("event_description", pa.string()),
        pa.field("product_count", pa.int64(), nullable=False),
    ]
)

PRODUCTS = pa.schema(
    [
        pa.field("livestream_id", pa.string(), nullable=False),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        ("product_name", pa.string()),
        ("product_description", pa.string()),
        ("product_currency", pa.string()),
        pa.field("unit_count", pa.int64(), nullable=False),
        pa.field("image_count", pa.int64(), nullable=False),
    ]
)

PRODUCT_UNITS = pa.schema(
    [
        pa.field("livestream_id", pa.string(), nullable=False),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("unit_id", pa.string(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
        ("unit_name", pa.string()),
        ("unit_price", pa.float64()),
        ("unit_price_string", pa.string()),
        ("unit_ext_id", pa.string()),
    ]
)

PRODUCT_IMAGES = pa.schema(
    [
        pa.field("livestream_id", pa.string(), nullable=False),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("image_id", pa.string(), nullable=False),
        ("image_src", pa.string()),
        ("image_position", pa.int64()),
    ]
)

LIVESTREAM_STATUS = pa.schema(
    [
        pa.field("observed_at", UTC_TS, nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("livestream_id", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        ("scheduled_at", UTC_TS),
    ]
)

# table -> (arrow schema, primary key); every table carries livestream_id
TABLES: dict[str, tuple[pa.Schema, tuple[str, ...]]] = {
    "livestreams": (LIVESTREAMS, ("livestream_id",)),
    "products": (PRODUCTS, ("livestream_id", "product_id")),
    "product_units": (PRODUCT_UNITS, ("livestream_id", "product_id", "unit_id")),
    "product_images": (PRODUCT_IMAGES, ("livestream_id", "product_id", "image_id")),
}
