"""Trovo's OAuth: authorization codes, access and refresh tokens, on the sandbox clock.

Rules from the reference (section 3-4 and the error table):
- a code works once (11711) and only for a while (11710), with the registered redirect URI;
- an access token lives ``expires_in`` seconds (14400 from the code flow), then 11714;
- a refresh gives a new access token *and* a new 30-day refresh token, but the old refresh
  token keeps working until its own 30 days are up (no rotation lock-out, unlike Shopee);
- one refresh token may hold at most 50 unexpired access tokens at a time (11718);
- revoke kills the access token named in the body; an unknown one is no error (RFC 7009).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from sandbox.providers.trovo.calls import TrovoError

CODE_TTL_S = 600.0


@dataclass
class AccessToken:
    token: str
    channel_id: str
    scopes: tuple[str, ...]
    expires_at: float
    refresh: str | None
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    channel_id: str
    scopes: tuple[str, ...]
    expires_at: float
    issued: list[str] = field(default_factory=list)


@dataclass
class AuthCode:
    code: str
    channel_id: str
    scopes: tuple[str, ...]
    redirect_uri: str
    expires_at: float
    used: bool = False


class TokenStore:
    """Every code and token the sandbox has issued; one lock, since handlers race."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # issue() is called with and without it held
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.counters = {"codes": 0, "exchanges": 0, "refreshes": 0, "revokes": 0}

    def issue_code(
        self, channel_id: str, scopes: tuple[str, ...], redirect_uri: str, now: float
    ) -> str:
        code = secrets.token_hex(16)
        with self.lock:
            self.codes[code] = AuthCode(code, channel_id, scopes, redirect_uri, now + CODE_TTL_S)
            self.counters["codes"] += 1
        return code

    def issue(
        self,
        channel_id: str,
        scopes: tuple[str, ...],
        now: float,
        access_ttl: float,
        refresh_ttl: float | None,
        access: str | None = None,
        refresh: str | None = None,
    ) -> tuple[AccessToken, RefreshToken | None]:
        """A new access token (and refresh token unless ``refresh_ttl`` is None)."""
        with self.lock:
            rt: RefreshToken | None = None
            if refresh_ttl is not None:
                rt = RefreshToken(
                    refresh or secrets.token_hex(16), channel_id, scopes, now + refresh_ttl
                )
                self.refresh[rt.token] = rt
            at = AccessToken(
                access or secrets.token_hex(16),
                channel_id,
                scopes,
                now + access_ttl,
                rt.token if rt else None,
            )
            self.access[at.token] = at
            if rt is not None:
                rt.issued.append(at.token)
            return at, rt

    def exchange(
        self, code: str, redirect_uri: str, now: float, access_ttl: float, refresh_ttl: float
    ) -> tuple[AccessToken, RefreshToken]:
        with self.lock:
            got = self.codes.get(code)
            if got is None or got.expires_at <= now:
                raise TrovoError(11710)
            if got.used:
                raise TrovoError(11711)
            if redirect_uri != got.redirect_uri:
                raise TrovoError(11716)
            got.used = True
            self.counters["exchanges"] += 1
            at, rt = self.issue(got.channel_id, got.scopes, now, access_ttl, refresh_ttl)
            assert rt is not None
            return at, rt

    def refresh_token(
        self, token: str, now: float, access_ttl: float, refresh_ttl: float, max_live: int
    ) -> tuple[AccessToken, RefreshToken]:
        with self.lock:
            old = self.refresh.get(token)
            if old is None:
                raise TrovoError(11713)
            if old.expires_at <= now:
                raise TrovoError(11712)
            live = [
                t
                for t in old.issued
                if (a := self.access.get(t)) is not None and not a.revoked and a.expires_at > now
            ]
            old.issued = live
            if len(live) >= max_live:
                raise TrovoError(11718)
            self.counters["refreshes"] += 1
            at, rt = self.issue(old.channel_id, old.scopes, now, access_ttl, refresh_ttl)
            # The old refresh token stays good and is charged for the token it handed out.
            assert rt is not None
            rt.issued.remove(at.token)
            old.issued.append(at.token)
            return at, rt

    def expire(self, tokens: list[str]) -> None:
        """End these access or refresh tokens' lives as if their time had run out (a test
        hook: they answer 11714 or 11712 from here on, wherever the clock is moved)."""
        with self.lock:
            for token in tokens:
                got = self.access.get(token) or self.refresh.get(token)
                if got is not None:
                    got.expires_at = 0.0

    def check(self, token: str, now: float) -> AccessToken:
        """The live access token, or the table's error for a bad or expired one."""
        got = self.access.get(token)
        if got is None or got.revoked:
            raise TrovoError(11704)
        if got.expires_at <= now:
            raise TrovoError(11714)
        return got

    def revoke(self, token: str) -> bool:
        with self.lock:
            got = self.access.get(token)
            if got is None or got.revoked:
                return False
            got.revoked = True
            self.counters["revokes"] += 1
            return True

    def holders_of(self, channel_id: str, scope: str, now: float) -> bool:
        """Whether the channel's owner has a live token granting ``scope`` to this client."""
        with self.lock:
            return any(
                t.channel_id == channel_id
                and scope in t.scopes
                and not t.revoked
                and t.expires_at > now
                for t in self.access.values()
            )
