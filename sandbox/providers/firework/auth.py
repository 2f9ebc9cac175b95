"""Firework's OAuth 2.0 client-credentials grant, timed by the sandbox clock.

Faithful parts: the token request is form-encoded (a JSON body carries no parameters, so it
is refused), a wrong client id or secret is a 401, there is no refresh token, and a token dies
``expires_in`` seconds after issue by the sandbox clock, so a test can advance the clock past
it. A source must ask for a new token when one expires or when any call answers 401.

Error bodies keep Firework's one shape, ``{"error": "<message>"}``, with the OAuth error
codes as the message (pinned: the reference defers to an authentication page we do not have).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

SCOPES = frozenset({"livestreams:read", "livestreams:write"})


@dataclass(frozen=True)
class Grant:
    expires_at: float
    scopes: frozenset[str]
    epoch: int


class TokenStore:
    """Issued access tokens; handlers on several connections issue and check them at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self.issued = 0

    def issue(self, now: float, ttl_s: float, scopes: frozenset[str], epoch: int) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            if len(self._grants) > 10_000:  # forget dead tokens so a long benchmark stays small
                self._grants = {t: g for t, g in self._grants.items() if g.expires_at > now}
            self._grants[token] = Grant(now + ttl_s, scopes, epoch)
            self.issued += 1
        return token

    def check(self, token: str, now: float, epoch: int) -> Grant | None:
        """The live grant of ``token``, or None when unknown, expired or revoked."""
        with self._lock:
            grant = self._grants.get(token)
        if grant is None or now >= grant.expires_at or grant.epoch != epoch:
            return None
        return grant


def parse_scope(raw: str | None) -> frozenset[str] | None:
    """Requested scopes (all the app has when omitted); None when one is unknown."""
    if raw is None or not raw.strip():
        return SCOPES
    wanted = frozenset(raw.replace(",", " ").split())
    return wanted if wanted <= SCOPES else None
