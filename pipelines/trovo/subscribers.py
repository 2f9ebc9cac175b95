"""Subscribers, read with the user token of the channel that owns them.

The token lives in the token store (pipelines/tokens, docs/token-store.md): the configured
``access_token`` seeds it as the first set of tokens (with its expiry as ``/validate``
tells it); when Trovo says it expired (11714) or refuses it (11704), it is refreshed with
``client_secret`` and the newest refresh token, and the rotated pair is saved before it is
used. Trovo lists a channel's subscribers only to that channel's owner, so only the
configured channel the token belongs to is read; the others are named in a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from pipelines.errors import AuthError
from pipelines.redaction import register_secret
from pipelines.tokens import TokenKeeper, Tokens, TokenStore, default_store, fingerprint
from pipelines.trovo import helpers
from pipelines.trovo.errors import TokenRejected
from pipelines.trovo.helpers import TrovoApi
from pipelines.trovo.schema import Subscription, Validated
from pipelines.trovo.settings import PROVIDER, SUBSCRIPTIONS_LIMIT, TOKEN_ACCOUNT, TrovoConfig

SCOPE = "channel_subscriptions"
UNKNOWN_LIFE_S = 3600.0  # a configured token /validate gives no expiry for: trusted this long


class UserToken:
    """The configured user's access token, kept fresh through the token store.

    Args:
        api: the Trovo client.
        config: ``sources.trovo`` (access_token, refresh_token, client_secret).
        store: the token store (default: the one under the state directory).
        clock: unix seconds now (default: the snapshots' clock, ``helpers.observed_now``).
    """

    def __init__(
        self,
        api: TrovoApi,
        config: TrovoConfig,
        store: TokenStore | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.api = api
        self.config = config
        self.store = store if store is not None else default_store()
        self.clock = clock or (lambda: helpers.observed_now().timestamp())
        self.keeper = TokenKeeper(
            self.store,
            PROVIDER,
            TOKEN_ACCOUNT,
            refresh=self._refresh,
            seed_refresh_token=config.refresh_token,
            seed=fingerprint(config.refresh_token, config.access_token),
            clock=self.clock,
        )
        self.refreshes = 0

    def owner(self) -> tuple[str, Validated]:
        """A working access token and what ``/validate`` says of it (whose, which scopes)."""
        seeded = self._seed()
        if seeded is not None:
            return seeded
        access = self.keeper.access_token()
        try:
            return access, self.api.validate(access)
        except TokenRejected:
            access = self.rejected(access)
            return access, self.api.validate(access)

    def rejected(self, access: str) -> str:
        """The token to use after Trovo refused ``access`` (refreshed once if need be)."""
        return self.keeper.rejected(access)

    def _seed(self) -> tuple[str, Validated] | None:
        """Store the configured access token as the chain's first tokens, unless the store
        already holds this chain: Trovo's ``/validate`` gives its expiry. A token that has
        already expired seeds nothing: the keeper refreshes from the configured one."""
        configured = self.config.access_token
        if not configured:
            return None
        with self.store.lock(PROVIDER, TOKEN_ACCOUNT):
            stored = self.store.load(PROVIDER, TOKEN_ACCOUNT)
            if stored is not None and stored.seed == self.keeper.seed:
                return None
            try:
                answer = self.api.validate(configured)
            except TokenRejected:
                return None
            expires = float(answer.get("expire_ts") or self.clock() + UNKNOWN_LIFE_S)
            tokens = Tokens(configured, expires, self.config.refresh_token, self.keeper.seed)
            self.store.save(PROVIDER, TOKEN_ACCOUNT, tokens)
        return configured, answer

    def _refresh(self, refresh_token: str | None) -> Tokens:
        secret = self.config.client_secret
        if not refresh_token or not secret:
            raise AuthError(
                PROVIDER,
                "POST /refreshtoken",
                "the access token expired and cannot be renewed: configure "
                "sources.trovo.refresh_token and client_secret, or a new access_token",
            )
        answer = self.api.refresh(secret, refresh_token)
        register_secret(answer["access_token"])
        register_secret(answer.get("refresh_token"))
        self.refreshes += 1
        return Tokens(
            answer["access_token"],
            self.clock() + answer["expires_in"],
            answer.get("refresh_token"),
        )


def subscriber_pages(
    api: TrovoApi, token: UserToken, access: str, channel_id: str, observed: datetime
) -> Iterator[list[dict[str, Any]]]:
    """The channel's subscribers page by page (offset paging, oldest first).

    A token that expires mid-way is refreshed once and the same page asked again; a fresh
    token refused again means the credentials themselves are bad (TokenRejected escapes).
    """
    offset = 0
    while True:
        try:
            page = api.subscriptions(channel_id, access, offset)
        except TokenRejected:
            access = token.rejected(access)
            page = api.subscriptions(channel_id, access, offset)
        listed = page.get("subscriptions") or []
        yield [_row(channel_id, s, observed) for s in listed]
        offset += len(listed)
        total = page.get("total")
        if (
            not listed
            or len(listed) < SUBSCRIPTIONS_LIMIT
            or (total is not None and offset >= total)
        ):
            return


def _row(channel_id: str, sub: Subscription, observed: datetime) -> dict[str, Any]:
    user = sub["user"]
    return {
        "channel_id": channel_id,
        "user_id": user["user_id"],
        "observed_at": observed,
        "username": user.get("username"),
        "display_name": user.get("display_name"),
        "user_created_at": user.get("created_at"),
        "sub_created_at": sub.get("sub_created_at"),
        "sub_lv": sub.get("sub_lv"),
        "sub_tier": sub.get("sub_tier"),
    }
