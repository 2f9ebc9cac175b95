"""Tokens obtained at run time, kept so that they survive restarts and crashes (docs/contract.md).

Shopee refresh tokens work once: the refresh that spends one hands back the next, and losing
that one locks the seller out until they authorise again. TokenKeeper is the policy (reuse,
refresh under a lock, save before use, the chain rule); a TokenStore is where tokens
persist (FileTokenStore: files under the state directory). User-facing notes:
docs/token-store.md.
"""

from pipelines.tokens.base import Tokens, TokenStore, TokenStoreError, fingerprint
from pipelines.tokens.files import FileTokenStore
from pipelines.tokens.keeper import TokenKeeper

__all__ = [
    "FileTokenStore",
    "TokenKeeper",
    "TokenStore",
    "TokenStoreError",
    "Tokens",
    "default_store",
    "fingerprint",
]


def default_store() -> FileTokenStore:
    """The store under the state directory (``LSW_STATE_DIR``, default ``.lsw/`` beside the
    warehouse): what every source uses unless a test hands it another."""
    from warehouse.paths import state_dir

    return FileTokenStore(state_dir() / "tokens")
