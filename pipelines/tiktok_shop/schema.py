"""The shape KeyAPI documents for a livestream record, checked on arrival, and its table schema.

Validation is lax where a real API drifts harmlessly (numbers sent as strings, ids sent as
numbers) and strict where a row would be wrong (no id, no start time).
"""

from __future__ import annotations

from typing import NotRequired

import pyarrow as pa
from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict


@with_config(ConfigDict(coerce_numbers_to_str=True, extra="ignore"))
class Livestream(TypedDict):
    room_id: str
    seller_id: str
    create_time: int
    finish_time: NotRequired[int | None]
    duration: NotRequired[int | None]
    title: NotRequired[str | None]
    nick_name: NotRequired[str | None]
    region: NotRequired[str | None]
    user_id: NotRequired[str | None]
    total_views_cnt: NotRequired[int | None]
    total_joins_cnt: NotRequired[int | None]
    max_views_cnt: NotRequired[int | None]
    total_sale_cnt: NotRequired[int | None]
    total_sale_gmv_amt: NotRequired[float | None]
    avatar: NotRequired[str | None]
    cover_url: NotRequired[str | None]


@with_config(ConfigDict(extra="ignore"))
class Envelope(TypedDict):
    code: int
    message: NotRequired[str | None]
    data: NotRequired[list[Livestream] | None]


ENVELOPE = TypeAdapter(Envelope)

ARROW_SCHEMA = pa.schema(
    [
        pa.field("room_id", pa.string(), nullable=False),
        pa.field("seller_id", pa.string(), nullable=False),
        ("user_id", pa.string()),
        ("nick_name", pa.string()),
        ("region", pa.string()),
        ("title", pa.string()),
        pa.field("create_time", pa.int64(), nullable=False),
        ("finish_time", pa.int64()),
        ("duration", pa.int64()),
        ("total_views_cnt", pa.int64()),
        ("total_joins_cnt", pa.int64()),
        ("max_views_cnt", pa.int64()),
        ("total_sale_cnt", pa.int64()),
        ("total_sale_gmv_amt", pa.float64()),
        ("avatar", pa.string()),
        ("cover_url", pa.string()),
    ]
)
