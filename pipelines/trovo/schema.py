"""The shapes Trovo documents, checked on arrival, and the arrow schemas of the raw tables.

Lax where Trovo drifts harmlessly: numbers arrive as strings (``total``, ``started_at``,
``expires_in``) or as numbers, ids as numbers or strings, and cosmetic fields (pictures,
nicknames) of the wrong type are dropped. Strict where a row would be wrong: a follower
without ``user_id`` or a readable ``followed_at``, a top channel without ``channel_id``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, NotRequired

import pyarrow as pa
from pydantic import BeforeValidator, ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

from pipelines.units import unix_seconds
from pipelines.validation import Cosmetic

LAX = ConfigDict(coerce_numbers_to_str=True, extra="ignore")


def _utc_time(value: Any) -> datetime | None:
    """ "YYYY-MM-DD HH:MM:SS" in UTC (followers), or unix seconds as a number or a string."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text.lstrip("-").replace(".", "", 1).isdigit():
        seconds = unix_seconds(text)
        return None if seconds is None else datetime.fromtimestamp(seconds, UTC)
    parsed = datetime.fromisoformat(text)  # ValueError -> a validation error naming the field
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# A time a row cannot do without (a follower's followed_at): None fails validation.
UtcTime = Annotated[datetime, BeforeValidator(_utc_time)]
# 0 and "" mean "never" (a channel that has not streamed yet): None, not 1970.
UnixTime = Annotated[datetime | None, BeforeValidator(_utc_time)]


@with_config(LAX)
class ErrorBody(TypedDict):
    status: int
    error: NotRequired[Annotated[str | None, Cosmetic]]
    message: NotRequired[Annotated[str | None, Cosmetic]]


# extra="allow": a field Trovo adds to a channel's info is kept and lands as a column of its
# own in ``channel_snapshots`` (pipelines/drift.py)
@with_config(ConfigDict(coerce_numbers_to_str=True, extra="allow"))
class ChannelInfo(TypedDict):
    """``POST /channels/id``."""

    is_live: NotRequired[bool | None]
    category_id: NotRequired[str | None]
    category_name: NotRequired[Annotated[str | None, Cosmetic]]
    live_title: NotRequired[Annotated[str | None, Cosmetic]]
    audi_type: NotRequired[Annotated[str | None, Cosmetic]]
    language_code: NotRequired[Annotated[str | None, Cosmetic]]
    current_viewers: NotRequired[int | None]
    followers: NotRequired[int | None]
    subscriber_num: NotRequired[int | None]
    username: NotRequired[Annotated[str | None, Cosmetic]]
    created_at: NotRequired[UnixTime]
    started_at: NotRequired[UnixTime]
    ended_at: NotRequired[UnixTime]


@with_config(LAX)
class Follower(TypedDict):
    user_id: str
    followed_at: UtcTime
    nickname: NotRequired[Annotated[str | None, Cosmetic]]
    profile_pic: NotRequired[Annotated[str | None, Cosmetic]]


@with_config(LAX)
class FollowersPage(TypedDict):
    """``POST /channels/{id}/followers``: ``total`` arrives as a string."""

    total: NotRequired[int | None]
    follower: NotRequired[list[Follower] | None]
    total_page: NotRequired[int | None]
    cursor: NotRequired[int | None]


@with_config(LAX)
class Role(TypedDict):
    viewers: NotRequired[list[Annotated[str | None, Cosmetic]] | None]


@with_config(LAX)
class ViewersPage(TypedDict):
    """``POST /channels/{id}/viewers``: ``total`` is a string; the reference spells
    ``custome_roles``."""

    total: int
    live_title: NotRequired[Annotated[str | None, Cosmetic]]
    chatters: NotRequired[dict[str, Role] | None]
    custome_roles: NotRequired[dict[str, Role] | None]
    custom_roles: NotRequired[dict[str, Role] | None]


@with_config(LAX)
class TopChannel(TypedDict):
    channel_id: str
    is_live: NotRequired[bool | None]
    title: NotRequired[Annotated[str | None, Cosmetic]]
    current_viewers: NotRequired[int | None]
    num_followers: NotRequired[int | None]
    category_id: NotRequired[str | None]
    category_name: NotRequired[Annotated[str | None, Cosmetic]]
    language_code: NotRequired[Annotated[str | None, Cosmetic]]
    audi_type: NotRequired[Annotated[str | None, Cosmetic]]
    nick_name: NotRequired[Annotated[str | None, Cosmetic]]
    username: NotRequired[Annotated[str | None, Cosmetic]]
    video_resolution: NotRequired[Annotated[str | None, Cosmetic]]
    chatters_count: NotRequired[Annotated[int | None, Cosmetic]]
    stream_started_at: NotRequired[UnixTime]


@with_config(LAX)
class TopPage(TypedDict):
    """``POST /gettopchannels``."""

    top_channels_lists: NotRequired[list[TopChannel] | None]
    total_page: NotRequired[int | None]
    token: NotRequired[str | None]
    cursor: NotRequired[int | None]


@with_config(LAX)
class SubscriberUser(TypedDict):
    user_id: str
    username: NotRequired[Annotated[str | None, Cosmetic]]
    display_name: NotRequired[Annotated[str | None, Cosmetic]]
    created_at: NotRequired[Annotated[UnixTime, Cosmetic]]


@with_config(LAX)
class Subscription(TypedDict):
    user: SubscriberUser
    sub_created_at: NotRequired[UnixTime]
    sub_lv: NotRequired[str | None]
    sub_tier: NotRequired[str | None]


@with_config(LAX)
class SubscriptionsPage(TypedDict):
    """``GET /channels/{id}/subscriptions``."""

    total: NotRequired[int | None]
    subscriptions: NotRequired[list[Subscription] | None]


@with_config(LAX)
class Validated(TypedDict):
    """``GET /validate``: whose token it is, what it may do, until when."""

    uid: str
    scopes: NotRequired[list[str] | None]
    expire_ts: NotRequired[int | None]


@with_config(LAX)
class TokenAnswer(TypedDict):
    """``POST /refreshtoken``: ``expires_in`` arrives as a string."""

    access_token: str
    expires_in: int
    refresh_token: NotRequired[str | None]


ERROR_BODY = TypeAdapter(ErrorBody)
CHANNEL_INFO = TypeAdapter(ChannelInfo)

# Every field the reference names for a channel's info, stored or not: anything else is an added
# field. ``stream_key`` (the channel's own info carries it) is a streamer's secret and is never
# stored, nor is any added field named like a credential (pipelines/drift.py).
CHANNEL_FIELDS = frozenset(ChannelInfo.__annotations__) | {
    "channel_id",
    "thumbnail",
    "streamer_info",
    "profile_pic",
    "channel_url",
    "social_links",
    "uid",
    "stream_key",
}
FOLLOWERS_PAGE = TypeAdapter(FollowersPage)
VIEWERS_PAGE = TypeAdapter(ViewersPage)
TOP_PAGE = TypeAdapter(TopPage)
SUBSCRIPTIONS_PAGE = TypeAdapter(SubscriptionsPage)
VALIDATED = TypeAdapter(Validated)
TOKEN_ANSWER = TypeAdapter(TokenAnswer)

# What the marts are built from: a channel snapshot without one is counted and said. (No
# started_at is no figure missing: the channel has never streamed.)
KEY_FIGURES = ("current_viewers", "followers")

# The roles of the reference's viewers sample, each a column ``viewers_<role>``.
ROLES = (
    "all",
    "followers",
    "subscribers",
    "moderators",
    "supermods",
    "editors",
    "admins",
    "creators",
    "wardens",
    "VIPS",
    "ace",
    "aceplus",
)

UTC_TS = pa.timestamp("us", tz="UTC")

CHANNEL_SNAPSHOTS = pa.schema(
    [
        pa.field("channel_id", pa.string(), nullable=False),
        pa.field("observed_at", UTC_TS, nullable=False),
        ("is_live", pa.bool_()),
        ("live_title", pa.string()),
        ("category_id", pa.string()),
        ("category_name", pa.string()),
        ("current_viewers", pa.int64()),
        ("followers", pa.int64()),
        ("subscriber_num", pa.int64()),
        ("started_at", UTC_TS),
        ("ended_at", UTC_TS),
        ("username", pa.string()),
        ("language_code", pa.string()),
        ("audi_type", pa.string()),
    ]
)

FOLLOWERS = pa.schema(
    [
        pa.field("channel_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("followed_at", UTC_TS, nullable=False),
        ("nickname", pa.string()),
        ("profile_pic", pa.string()),
    ]
)

VIEWERS = pa.schema(
    [
        pa.field("channel_id", pa.string(), nullable=False),
        pa.field("observed_at", UTC_TS, nullable=False),
        ("live_title", pa.string()),
        ("viewers_total", pa.int64()),
        *((f"viewers_{role.lower()}", pa.int64()) for role in ROLES),
        ("custom_roles", pa.string()),  # JSON {role: viewers}
    ]
)

TOP_CHANNELS = pa.schema(
    [
        pa.field("channel_id", pa.string(), nullable=False),
        pa.field("observed_at", UTC_TS, nullable=False),
        pa.field("rank", pa.int64(), nullable=False),
        ("category_filter", pa.string()),
        ("is_live", pa.bool_()),
        ("title", pa.string()),
        ("current_viewers", pa.int64()),
        ("num_followers", pa.int64()),
        ("category_id", pa.string()),
        ("category_name", pa.string()),
        ("language_code", pa.string()),
        ("audi_type", pa.string()),
        ("nick_name", pa.string()),
        ("username", pa.string()),
        ("video_resolution", pa.string()),
        ("chatters_count", pa.int64()),
        ("stream_started_at", UTC_TS),
    ]
)

SUBSCRIBERS = pa.schema(
    [
        pa.field("channel_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("observed_at", UTC_TS, nullable=False),
        ("username", pa.string()),
        ("display_name", pa.string()),
        ("user_created_at", UTC_TS),
        ("sub_created_at", UTC_TS),
        ("sub_lv", pa.string()),
        ("sub_tier", pa.string()),
    ]
)
