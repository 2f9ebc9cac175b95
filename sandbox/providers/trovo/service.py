"""Trovo's open platform API (trovo-api.md), served below ``/trovo``.

What a friendly fake would skip and this does not: ``Client-ID`` on every call (11701),
``Authorization: OAuth`` tokens that expire on the sandbox clock (11714) and carry scopes
(11730), the reference's error bodies ``{status, error, message}``, ``x-ratelimit-*`` headers
on every answer and the 11706 body over 1200 requests a minute, numbers that arrive as
strings, followers paged by an offset that the reference calls a page number, and top
channels whose pages repeat or skip channels as viewers move.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.jsonresp import json_response
from sandbox.providers.base import ProviderService, ServiceContext
from sandbox.providers.trovo import (
    categories,
    channels,
    chat,
    emotes,
    followers,
    oauth,
    subscriptions,
    top_channels,
    users,
    viewers,
)
from sandbox.providers.trovo.auth import AccessToken, TokenStore
from sandbox.providers.trovo.calls import Endpoint, TrovoError, error_body
from sandbox.providers.trovo.catalog import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    ERRORS,
    REASONS,
)
from sandbox.providers.trovo.world import Channel, World
from sandbox.seeds import derive

ENV_SCOPES = ("channel_details_self", "user_details_self", "channel_subscriptions")
RATE_LIMIT = 1200
RATE_WINDOW_S = 60.0
RATE_LIMITED_BODY = {
    "status": 11706,
    "error": "Internal Server Error",
    "message": ERRORS[11706][1],
}

# (method, path below the base URL, endpoint), in the reference's order.
ROUTES: tuple[tuple[str, str, Endpoint], ...] = (
    ("GET", "/page/login.html", oauth.login),
    ("POST", "/exchangetoken", oauth.exchange),
    ("POST", "/refreshtoken", oauth.refresh),
    ("GET", "/validate", oauth.validate),
    ("POST", "/revoke", oauth.revoke),
    ("GET", "/categorys/top", categories.top_categories),
    ("POST", "/searchcategory", categories.search_category),
    ("POST", "/gettopchannels", top_channels.top_channels),
    ("POST", "/getusers", users.get_users),
    ("POST", "/channels/id", channels.channel_by_id),
    ("GET", "/channel", channels.own_channel),
    ("POST", "/channels/update", channels.update_channel),
    ("GET", "/getuserinfo", users.user_info),
    ("GET", "/channels/{channel_id}/subscriptions", subscriptions.subscriptions),
    ("POST", "/getemotes", emotes.get_emotes),
    ("POST", "/channels/{channel_id}/viewers", viewers.viewers),
    ("POST", "/channels/{channel_id}/followers", followers.followers),
    ("POST", "/livestreamurl", channels.stream_urls),
    ("POST", "/chat/send", chat.send),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/users/{uid}", chat.delete),
    ("POST", "/channels/command", chat.command),
)
# The login page stands in for open.trovo.live's: a browser sends no Client-ID header.
WITHOUT_CLIENT_ID = frozenset({"/page/login.html"})


Handler = Callable[[Request], Awaitable[Response]]


class TrovoService(ProviderService):
    """Options (``knobs.options``): ``client_id``, ``client_secret``, ``redirect_uri``,
    ``access_token_ttl_s`` (14400), ``implicit_token_ttl_s`` (864000),
    ``refresh_token_ttl_s`` (30 days), ``max_tokens_per_refresh`` (50),
    ``rate_limit_http_status`` (429; the notes allow 200), ``livestream_url_access`` (True),
    ``expire_tokens`` (access or refresh tokens to treat as expired from now on: 11714/11712).
    """

    name: ClassVar[str] = "trovo"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.world = World(ctx.seed, ctx.scale, ctx.days)
        self.tokens = TokenStore()
        self.lock = threading.Lock()
        # Mutable channel state written through the API (edit channel, chat commands).
        self.overrides: dict[str, dict[str, str]] = {}
        self.mods: dict[str, set[str]] = {}
        self.chat: dict[tuple[str, str], str] = {}
        self.chat_log: list[dict[str, str]] = []
        self.last_sent: dict[str, float] = {}
        self.counters = {"chats_sent": 0, "chats_deleted": 0, "commands": 0, "updates": 0}
        first = self.world.own[0]
        now = ctx.clock.now()
        self.env_access = f"{derive(ctx.seed, 'trovo', 'env-access'):016x}" * 2
        self.env_refresh = f"{derive(ctx.seed, 'trovo', 'env-refresh'):016x}" * 2
        self.tokens.issue(
            first.channel_id,
            ENV_SCOPES,
            now,
            self.option("access_token_ttl_s", 14_400),
            self.option("refresh_token_ttl_s", 30 * 86_400),
            access=self.env_access,
            refresh=self.env_refresh,
        )

    # ---- framework hooks ---------------------------------------------------------------

    @classmethod
    def default_knobs(cls) -> dict[str, Any]:
        return {"rate_limit": RATE_LIMIT, "rate_window_s": RATE_WINDOW_S}

    def routes(self) -> list[BaseRoute]:
        return [
            Route(path, self.endpoint(fn, client=path not in WITHOUT_CLIENT_ID), methods=[method])
            for method, path, fn in ROUTES
        ]

    def env_config(self, base_url: str) -> dict[str, str]:
        ids = [c.channel_id for c in self.world.own]
        return {
            "SOURCES__TROVO__BASE_URL": base_url,
            "SOURCES__TROVO__CLIENT_ID": self.client_id,
            "SOURCES__TROVO__CHANNEL_IDS": orjson.dumps(ids).decode(),
            "SOURCES__TROVO__CLIENT_SECRET": self.option("client_secret", DEFAULT_CLIENT_SECRET),
            "SOURCES__TROVO__ACCESS_TOKEN": self.env_access,
            "SOURCES__TROVO__REFRESH_TOKEN": self.env_refresh,
        }

    def error_response(self, kind: str, status: int, retry_after: float) -> Response:
        if kind == "rate_limited":
            return json_response(RATE_LIMITED_BODY, self.option("rate_limit_http_status", 429))
        return json_response(
            {"status": -1000, "error": REASONS.get(status, "Internal Server Error"),
             "message": ERRORS[-1000][1]},
            status,
        )  # fmt: skip

    def rate_headers(self, limit: int | None, remaining: int, reset_s: float) -> Mapping[str, str]:
        """Sent on every answer. ``reset`` is wall-clock epoch seconds (the window runs on
        real time, so a client sleeping until it with ``time.time()`` waits the right
        amount even while the world clock is frozen). With the limit knob cleared the
        headers still come, showing the documented nominal limit."""
        if limit is None:
            limit, remaining, reset_s = RATE_LIMIT, RATE_LIMIT, RATE_WINDOW_S
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(remaining, 0)),
            "x-ratelimit-reset": str(math.ceil(time.time() + reset_s)),
        }

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                **self.counters,
                **self.tokens.counters,
                "chat_log": list(self.chat_log[-20:]),
            }

    # ---- helpers used by the endpoint modules ---------------------------------------------

    def option(self, key: str, default: Any) -> Any:
        return self.ctx.state.knobs.options.get(key, default)

    @property
    def client_id(self) -> str:
        return str(self.option("client_id", DEFAULT_CLIENT_ID))

    def now(self) -> float:
        return self.ctx.clock.now()

    def endpoint(self, fn: Endpoint, client: bool = True) -> Handler:
        """Bind an endpoint to this service: check ``Client-ID`` first, render TrovoError
        as the table says."""

        async def handler(request: Request) -> Response:
            try:
                if client and request.headers.get("client-id", "") != self.client_id:
                    raise TrovoError(11701)
                return await fn(self, request)
            except TrovoError as err:
                return error_body(err)

        return handler

    def user_token(self, request: Request, scope: str | None) -> AccessToken:
        """The caller's ``Authorization: OAuth`` token, checked for life and scope."""
        auth = request.headers.get("authorization", "")
        kind, _, token = auth.partition(" ")
        if kind.lower() != "oauth" or not token.strip():
            raise TrovoError(11704)
        self.apply_forced_expiry()
        got = self.tokens.check(token.strip(), self.now())
        if scope is not None and scope not in got.scopes:
            raise TrovoError(11730)
        return got

    def apply_forced_expiry(self) -> None:
        """Expire the tokens the ``expire_tokens`` option names (the hook tests use to see a
        source refresh on 11714 without moving the world's clock)."""
        forced = self.option("expire_tokens", ())
        if forced:
            self.tokens.expire([forced] if isinstance(forced, str) else [str(t) for t in forced])

    def channel(self, channel_id: Any) -> Channel:
        ch = self.world.by_id.get(str(channel_id).strip())
        if ch is None:
            raise TrovoError(10505)
        return ch
