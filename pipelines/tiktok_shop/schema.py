"""The shape KeyAPI documents for a livestream record, checked on arrival, and its table schema.

Validation is lax where a real API drifts harmlessly (numbers sent as strings, ids sent as
numbers, a cosmetic field of the wrong type, a field added: kept as a new column) and strict
where a row would be wrong (no id, no start time). A record without one of the KEY_FIGURES the
marts depend on is kept but counted, and never overwrites a value loaded before
(pipelines/figures.py).
"""

from __future__ import annotations

from typing import Annotated, NotRequired

import pyarrow as pa
from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

from pipelines.validation import Cosmetic


# extra="allow": a field KeyAPI adds is kept and lands as a column of its own (pipelines/drift.py)
@with_config(ConfigDict(coerce_numbers_to_str=True, extra="allow"))
class Livestream(TypedDict):
    room_id: str
    seller_id: str
    create_time: int
    finish_time: NotRequired[int | None]
    duration: NotRequired[int | None]
    title: NotRequired[Annotated[str | None, Cosmetic]]
    nick_name: NotRequired[Annotated[str | None, Cosmetic]]
    region: NotRequired[str | None]
    user_id: NotRequired[Annotated[str | None, Cosmetic]]
    total_views_cnt: NotRequired[int | None]
    total_joins_cnt: NotRequired[Annotated[int | None, Cosmetic]]
    max_views_cnt: NotRequired[int | None]
    total_sale_cnt: NotRequired[int | None]
    total_sale_gmv_amt: NotRequired[float | None]
    avatar: NotRequired[Annotated[str | None, Cosmetic]]
    cover_url: NotRequired[Annotated[str | None, Cosmetic]]


@with_config(ConfigDict(extra="ignore"))
class Envelope(TypedDict):
    code: int
    message: NotRequired[str | None]
    data: NotRequired[list[Livestream] | None]


ENVELOPE = TypeAdapter(Envelope)

# What fct_sessions and gmv_daily are built from: an answer without one is incomplete.
KEY_FIGURES = ("total_sale_gmv_amt", "total_views_cnt", "max_views_cnt", "total_sale_cnt", "region")

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
