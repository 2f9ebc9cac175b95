"""Talking to Trovo: the client (Client-ID, the shared rate limit, error bodies) and one
method per endpoint the source uses, each answer validated on arrival."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import TypeAdapter

from pipelines.http import HttpSettings, ProviderClient
from pipelines.ratelimit import limit_key
from pipelines.trovo.errors import classify
from pipelines.trovo.schema import (
    CHANNEL_INFO,
    FOLLOWERS_PAGE,
    SUBSCRIPTIONS_PAGE,
    TOKEN_ANSWER,
    TOP_PAGE,
    VALIDATED,
    VIEWERS_PAGE,
    ChannelInfo,
    FollowersPage,
    SubscriptionsPage,
    TokenAnswer,
    TopPage,
    Validated,
    ViewersPage,
)
from pipelines.trovo.settings import (
    FOLLOWERS_LIMIT,
    PROVIDER,
    SUBSCRIPTIONS_LIMIT,
    TOP_CHANNELS_LIMIT,
    VIEWERS_LIMIT,
    TrovoConfig,
)
from pipelines.validation import validate_json

T = TypeVar("T")


def observed_now() -> datetime:
    """When a snapshot is taken: the ``observed_at`` of its rows (tests point it at the
    sandbox's clock)."""
    return datetime.now(UTC)


def http_settings(config: TrovoConfig, shared: bool = True) -> HttpSettings:
    """The configured HTTP settings; the rate limit counted for every process using the
    same client id (``shared``), as Trovo counts it."""
    settings = config.http()
    if shared:
        settings = dataclasses.replace(
            settings, shared_limit_key=limit_key(PROVIDER, config.client_id)
        )
    return settings


def trovo_client(config: TrovoConfig, settings: HttpSettings | None = None) -> ProviderClient:
    """A client sending ``Client-ID`` on every call, with every configured secret masked."""
    return ProviderClient(
        PROVIDER,
        config.base_url,
        headers={"Client-ID": config.client_id, "Accept": "application/json"},
        secrets=(config.client_secret, config.access_token, config.refresh_token),
        settings=settings or http_settings(config),
    )


def _id(channel_id: str) -> int | str:
    """Trovo documents channel ids in bodies as integers."""
    return int(channel_id) if channel_id.isdigit() else channel_id


class TrovoApi:
    """The endpoints a source uses. Errors are raised as ``pipelines.trovo.errors`` reads
    them; an endpoint in an error names the channel it was about."""

    def __init__(self, client: ProviderClient) -> None:
        self.client = client

    def _call(
        self,
        method: str,
        path: str,
        adapter: TypeAdapter[T],
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        token: str | None = None,
    ) -> T:
        endpoint = f"{method} {path}"
        return self.client.request(
            method,
            path,
            lambda r: validate_json(adapter, r.content, PROVIDER, endpoint),
            json=json,
            params=params,
            headers={"Authorization": f"OAuth {token}"} if token else None,
            classify=classify,
        )

    def channel(self, channel_id: str) -> ChannelInfo:
        body = {"channel_id": _id(channel_id)}
        return self._call("POST", "/channels/id", CHANNEL_INFO, json=body)

    def followers(
        self, channel_id: str, cursor: int, direction: str, limit: int = FOLLOWERS_LIMIT
    ) -> FollowersPage:
        body = {"limit": limit, "cursor": cursor, "direction": direction}
        return self._call("POST", f"/channels/{channel_id}/followers", FOLLOWERS_PAGE, json=body)

    def viewers(self, channel_id: str, cursor: int, limit: int = VIEWERS_LIMIT) -> ViewersPage:
        body = {"limit": limit, "cursor": cursor}
        return self._call("POST", f"/channels/{channel_id}/viewers", VIEWERS_PAGE, json=body)

    def top_channels(
        self, token: str, cursor: int, category: str | None, limit: int = TOP_CHANNELS_LIMIT
    ) -> TopPage:
        body = {
            "limit": limit,
            "after": True,
            "token": token,
            "cursor": cursor,
            "category_id": category or "",
        }
        return self._call("POST", "/gettopchannels", TOP_PAGE, json=body)

    def subscriptions(
        self, channel_id: str, access_token: str, offset: int, limit: int = SUBSCRIPTIONS_LIMIT
    ) -> SubscriptionsPage:
        params = {"limit": limit, "offset": offset, "direction": "asc"}
        path = f"/channels/{channel_id}/subscriptions"
        return self._call("GET", path, SUBSCRIPTIONS_PAGE, params=params, token=access_token)

    def validate(self, access_token: str) -> Validated:
        return self._call("GET", "/validate", VALIDATED, token=access_token)

    def refresh(self, client_secret: str, refresh_token: str) -> TokenAnswer:
        body = {
            "client_secret": client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        return self._call("POST", "/refreshtoken", TOKEN_ANSWER, json=body)
