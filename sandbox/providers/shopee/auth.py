"""Shopee's request signing and its token rules.

The part a friendly fake would skip: a refresh_token works exactly once. Each refresh hands out
a new access_token (4 h by the sandbox clock) and a new refresh_token; the old refresh_token is
refused from then on, so a client that loses the rotated one is locked out.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass

from sandbox.seeds import derive

ACCESS_TTL_S = 4 * 3600
REFRESH_TTL_S = 30 * 86_400
TIMESTAMP_WINDOW_S = 300


def sign(partner_key: str, *parts: object) -> str:
    """Lowercase hex HMAC-SHA256 of the concatenated parts, keyed with the partner_key."""
    message = "".join(str(p) for p in parts).encode()
    return hmac.new(partner_key.encode(), message, hashlib.sha256).hexdigest()


def token_hex(seed: int, *parts: object) -> str:
    """A 32-hex-digit token, stable for the same seed and parts (same seed, same tokens)."""
    return f"{derive(seed, 'shopee', *parts):016x}{derive(seed, 'shopee', *parts, 'b'):016x}"


class AuthError(Exception):
    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


@dataclass
class _Refresh:
    user_id: int
    expires_at: float
    used: bool = False


@dataclass
class Grant:
    user_id: int
    access_token: str
    refresh_token: str
    expire_in: int


class TokenStore:
    """Issued codes and tokens. Every method takes the lock: refreshes can race."""

    def __init__(self, seed: int, user_ids: list[int], now: float) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._access: dict[str, tuple[int, float]] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._codes: dict[str, int] = {}
        self._issued: dict[int, int] = {}
        self.initial: dict[int, str] = {}
        self.revoked: set[int] = set()
        self.refreshes = 0
        self.reused = 0  # refreshes refused because the refresh token was spent already
        for user_id in user_ids:
            token = token_hex(seed, "refresh0", user_id)
            self.initial[user_id] = token
            self._refresh[token] = _Refresh(user_id, now + REFRESH_TTL_S)
            self._codes[token_hex(seed, "code", user_id)] = user_id

    def revoke(self, user_id: int) -> None:
        """The seller cancelled the authorisation: their tokens stop working."""
        with self._lock:
            self.revoked.add(user_id)

    def code_for(self, user_id: int) -> str:
        """The authorisation code the seller's redirect would carry (valid once)."""
        return token_hex(self.seed, "code", user_id)

    def exchange_code(self, code: str, now: float, ttl_s: int) -> Grant:
        with self._lock:
            user_id = self._codes.pop(code, None)
            if user_id is None:
                raise AuthError("error_auth", "Invalid code.")
            return self._grant(user_id, now, ttl_s)

    def refresh(self, token: str, user_id: int, now: float, ttl_s: int) -> Grant:
        with self._lock:
            record = self._refresh.get(token)
            if record is None or record.user_id != user_id:
                raise AuthError("error_auth", "Invalid refresh_token.")
            if user_id in self.revoked:
                raise AuthError("error_auth", "You are not authorized")
            if record.used:
                self.reused += 1
                raise AuthError("error_auth", "Invalid refresh_token.")
            if now >= record.expires_at:
                raise AuthError("refresh_token_expired", "Refresh token is expired.")
            record.used = True
            self.refreshes += 1
            return self._grant(user_id, now, ttl_s)

    def _grant(self, user_id: int, now: float, ttl_s: int) -> Grant:
        n = self._issued.get(user_id, 0) + 1
        self._issued[user_id] = n
        access = token_hex(self.seed, "access", user_id, n)
        refresh = token_hex(self.seed, "refresh", user_id, n)
        self._access[access] = (user_id, now + ttl_s)
        self._refresh[refresh] = _Refresh(user_id, now + REFRESH_TTL_S)
        return Grant(user_id, access, refresh, ttl_s)

    def check_access(self, token: str, user_id: int, now: float) -> None:
        """Raise unless ``token`` is a live access_token of ``user_id``."""
        got = self._access.get(token)
        if got is None or got[0] != user_id:
            raise AuthError("error_auth", "Invalid access_token.")
        if user_id in self.revoked:
            raise AuthError("error_auth", "You are not authorized")
        if now >= got[1]:
            raise AuthError("invalid_acceess_token", "Invalid access_token.")
