"""What every token store backend holds and promises, and the one error it raises."""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pipelines.errors import ProviderError


@dataclass(frozen=True)
class Tokens:
    """One account's tokens. The token values are left out of ``repr`` so they cannot leak."""

    access_token: str = field(repr=False)
    expires_at: float  # unix seconds when the access token stops working
    refresh_token: str | None = field(default=None, repr=False)
    seed: str | None = None  # fingerprint of the configured credential this chain grew from


class TokenStore(Protocol):
    """Where tokens persist: files in the token directory, or PostgreSQL (LSW_STATE_URL)."""

    def load(self, provider: str, account: str) -> Tokens | None:
        """The stored tokens, or None when the account has none yet."""
        ...

    def save(self, provider: str, account: str, tokens: Tokens) -> None:
        """Store ``tokens``; they are durable when this returns."""
        ...

    def lock(self, provider: str, account: str) -> AbstractContextManager[None]:
        """Hold the account exclusively, against other threads and other processes."""
        ...


class TokenStoreError(ProviderError):
    """The store cannot be used as it is: one line naming the file (or the database table),
    never its contents.

    A ProviderError, so a source reports it like any other failure of that provider.
    """

    def __init__(self, provider: str, path: Path | str, cause: str) -> None:
        self.path = path
        super().__init__(provider, "token store", f"{path}: {cause}")


def fingerprint(*credential: str | None) -> str:
    """sha256 hex of the configured credential(s): tells whether a stored chain grew from them.

    Only high-entropy secrets (refresh tokens, client secrets) go in, so the digest gives
    nothing away; it lets the store notice that the user configured a new credential.
    """
    return hashlib.sha256(json.dumps(list(credential)).encode()).hexdigest()
