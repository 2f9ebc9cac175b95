"""Tokens obtained at run time, kept so that they survive restarts and crashes (docs/contract.md).

Shopee refresh tokens work once: the refresh that spends one hands back the next, and losing
that one locks the seller out until they authorise again. TokenKeeper is the policy (reuse,
refresh under a lock, save before use, the chain rule); a TokenStore is where tokens
persist (FileTokenStore: files in the user's token directory; PostgresTokenStore: a table in
the shared state database when ``LSW_STATE_URL`` is set). User-facing notes:
docs/token-store.md.
"""

import os
from pathlib import Path

from pipelines.statedb import state_url
from pipelines.tokens.base import Tokens, TokenStore, TokenStoreError, fingerprint
from pipelines.tokens.files import FileTokenStore
from pipelines.tokens.keeper import TokenKeeper
from pipelines.tokens.postgres import PostgresTokenStore

__all__ = [
    "FileTokenStore",
    "PostgresTokenStore",
    "TokenKeeper",
    "TokenStore",
    "TokenStoreError",
    "Tokens",
    "default_store",
    "fingerprint",
    "token_dir",
]


def token_dir() -> Path:
    """``LSW_TOKEN_DIR``, else ``$XDG_DATA_HOME/lsw/tokens``, else ``~/.local/share/lsw/tokens``.

    Tokens belong to the credentials, not to a warehouse: a Shopee refresh token works once,
    so two stores (one per warehouse) holding the same account's chain would each spend it
    and lock the other out. One directory per user, shared by every warehouse and command.
    """
    chosen = os.environ.get("LSW_TOKEN_DIR")
    if chosen:
        return Path(chosen).expanduser().absolute()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser().absolute() / "lsw" / "tokens"


def default_store() -> TokenStore:
    """The user's store: what every source and command uses unless a test hands it another.

    With ``LSW_STATE_URL`` the shared state database (every machine's runs share it), else
    the files under ``token_dir()`` (this machine's runs share them).
    """
    url = state_url()
    if url is not None:
        return PostgresTokenStore(url)
    return FileTokenStore(token_dir())
