"""The credentials LiSA sends with every delivery, kept in the token store.

One secret per receiver (``lisa_webhooks/receiver`` in the token store, 0600 under the state
directory), generated once under the store's lock so two processes never make two. A
subscription sends it as ``Bearer <secret>`` or as HTTP basic ``lsw:<secret>``; the receiver
accepts either, compared in constant time.
"""

from __future__ import annotations

import base64
import hmac
import secrets

from pipelines.redaction import register_secret
from pipelines.tokens import Tokens, TokenStore, default_store

PROVIDER = "lisa_webhooks"
ACCOUNT = "receiver"
BASIC_USER = "lsw"
NEVER = 32_503_680_000.0  # the year 3000: the secret does not expire, it is rotated by hand


def load_secret(store: TokenStore | None = None) -> str | None:
    """The receiver's secret, or None when none was generated yet."""
    tokens = (store or default_store()).load(PROVIDER, ACCOUNT)
    if tokens is None:
        return None
    register_secret(tokens.access_token)
    return tokens.access_token


def ensure_secret(store: TokenStore | None = None) -> str:
    """The receiver's secret, generated and saved first if there is none."""
    store = store or default_store()
    with store.lock(PROVIDER, ACCOUNT):
        found = load_secret(store)
        if found is not None:
            return found
        secret = secrets.token_urlsafe(32)
        register_secret(secret)
        store.save(PROVIDER, ACCOUNT, Tokens(access_token=secret, expires_at=NEVER))
        return secret


def subscription_credentials(secret: str, kind: str) -> dict[str, str]:
    """The ``credentials`` object of a subscription that sends ``secret`` as ``kind``."""
    if kind == "bearer":
        return {"authType": "bearer", "token": secret}
    if kind == "basic":
        return {"authType": "basic", "username": BASIC_USER, "password": secret}
    raise ValueError(f"auth must be bearer or basic, got {kind!r}")


def authorized(header: str | None, secret: str) -> bool:
    """Whether an ``Authorization`` header carries ``secret`` (bearer or basic), compared
    in constant time so the answer's timing says nothing about the secret."""
    if not header:
        return False
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return hmac.compare_digest(value.strip().encode(), secret.encode())
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True)
        except ValueError:
            return False
        user, sep, password = decoded.partition(b":")
        user_ok = hmac.compare_digest(user, BASIC_USER.encode())
        password_ok = hmac.compare_digest(password, secret.encode())
        return bool(sep) and user_ok and password_ok
    return False
