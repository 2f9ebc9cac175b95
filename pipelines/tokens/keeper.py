"""The refresh policy one provider account follows, whichever store backs it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeGuard

from pipelines.redaction import register_secret
from pipelines.tokens.base import Tokens, TokenStore, fingerprint

log = logging.getLogger("lsw.tokens")


class TokenKeeper:
    """The policy one provider account follows.

    Every new set of tokens is saved (durably) before its access token is handed out, so a
    rotated single-use refresh token is on disk before anyone can need it. Refreshes of one
    account are serialised by the store's lock, and whoever takes the lock reads the store
    again first: another thread or process may just have refreshed.

    Args:
        store: where the account's tokens persist.
        provider: the provider's name, e.g. ``"shopee"``.
        account: the account within the provider (a user id, a slug, ``"default"``).
        refresh: given the refresh token to spend (None for client-credentials flows),
            returns new Tokens; raises when the provider refuses.
        seed_refresh_token: the configured refresh token (Shopee, Trovo), or None.
        seed: fingerprint of the configured credentials; defaults to
            ``fingerprint(seed_refresh_token)``.
        margin_s: a token closer than this to its expiry is refreshed rather than used; keep
            it well below the provider's token lifetime.
        clock: unix seconds now.
    """

    def __init__(
        self,
        store: TokenStore,
        provider: str,
        account: str,
        *,
        refresh: Callable[[str | None], Tokens],
        seed_refresh_token: str | None = None,
        seed: str | None = None,
        margin_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        register_secret(seed_refresh_token)
        self.store = store
        self.provider = provider
        self.account = account
        self.seed = seed if seed is not None else fingerprint(seed_refresh_token)
        self.margin_s = margin_s
        self._refresh = refresh
        self._seed_refresh_token = seed_refresh_token
        self._clock = clock
        self._current: Tokens | None = None  # the newest tokens this keeper has seen

    def access_token(self) -> str:
        """A working access token: the stored one while it lasts, else a fresh one."""
        current = self._current  # read once: another thread's rejected() may clear it
        if self._usable(current):
            return current.access_token
        stored = self._load()
        if self._usable(stored):
            return stored.access_token
        with self.store.lock(self.provider, self.account):
            stored = self._load()  # someone may have refreshed while we waited for the lock
            if self._usable(stored):
                return stored.access_token
            return self._renew(stored)

    def rejected(self, access_token: str) -> str:
        """The token to use after the provider refused ``access_token``.

        Call it once per refusal: if someone else already replaced the refused token, theirs
        is returned; otherwise this refreshes once. A fresh token refused again means the
        credentials themselves are bad, which no further refresh will mend.
        """
        self._current = None
        with self.store.lock(self.provider, self.account):
            stored = self._load()
            if self._usable(stored) and stored.access_token != access_token:
                return stored.access_token
            return self._renew(stored)

    def _load(self) -> Tokens | None:
        tokens = self.store.load(self.provider, self.account)
        if tokens is not None:
            register_secret(tokens.access_token)
            register_secret(tokens.refresh_token)
        return tokens

    def _usable(self, tokens: Tokens | None) -> TypeGuard[Tokens]:
        """From this keeper's chain and valid for at least the margin; remembered if so."""
        if tokens is None or tokens.seed != self.seed:
            return False
        if tokens.expires_at - self.margin_s <= self._clock():
            return False
        self._current = tokens
        return True

    def _renew(self, stored: Tokens | None) -> str:
        """Refresh (the caller holds the lock) and save the result before handing it out.

        Chain rule: a stored chain grown from the configured credential carries on with its
        own refresh token, and the configured one (spent long ago) is never sent again. A
        chain grown from other credentials (the user authorised again), or none at all,
        starts over from the configured refresh token.
        """
        chained = stored is not None and stored.seed == self.seed
        spend = stored.refresh_token if stored is not None and chained else self._seed_refresh_token
        fresh = self._refresh(spend)
        register_secret(fresh.access_token)
        register_secret(fresh.refresh_token)
        # A provider that does not rotate answers without a refresh token: the old one stays good.
        fresh = replace(fresh, refresh_token=fresh.refresh_token or spend, seed=self.seed)
        self.store.save(self.provider, self.account, fresh)
        self._current = fresh
        lifetime = fresh.expires_at - self._clock()
        source = "stored refresh token" if chained else "configured credential"
        log.info(
            "%s account %s: access token refreshed from the %s; valid for %.0f s",
            self.provider,
            self.account,
            source,
            lifetime,
        )
        if lifetime <= self.margin_s:
            log.warning(
                "%s account %s: a new access token lives %.0f s, within the %.0f s refresh "
                "margin, so every use will refresh it; lower margin_s",
                self.provider,
                self.account,
                lifetime,
                self.margin_s,
            )
        return fresh.access_token
