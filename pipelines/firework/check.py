"""`lsw check` for Firework: a token request proves the client credentials and costs nothing
else (tokens are free; no livestream is read)."""

from __future__ import annotations

import dataclasses
import time

from pipelines.firework.auth import Clock, credentials_seed, request_token
from pipelines.firework.helpers import firework_client
from pipelines.firework.settings import PROVIDER, TOKEN_MARGIN_S, FireworkConfig
from pipelines.tokens import Tokens, TokenStore, default_store


def check_credentials(
    config: FireworkConfig, *, store: TokenStore | None = None, clock: Clock = time.time
) -> str:
    """Ask for a token, keep it for the next run, and say whether the cached one still lived.

    The cached token is not tried instead: it proves only that the credentials worked when
    it was issued. Raises ProviderError (one line) when the credentials are refused.
    """
    store = store if store is not None else default_store()
    seed = credentials_seed(config)
    cached = store.load(PROVIDER, config.account_id)
    settings = dataclasses.replace(config.http(), max_attempts=2)
    with firework_client(config, settings) as client:
        fresh = request_token(client, config, clock)
    now = clock()
    with store.lock(PROVIDER, config.account_id):
        store.save(PROVIDER, config.account_id, dataclasses.replace(fresh, seed=seed))
    return (
        f"ok (client credentials accepted: new token valid {fresh.expires_at - now:.0f} s; "
        f"{cached_note(cached, seed, now)})"
    )


def cached_note(cached: Tokens | None, seed: str, now: float) -> str:
    if cached is None:
        return "no token was cached"
    if cached.seed != seed:
        return "the cached token was issued to other credentials"
    left = cached.expires_at - now
    if left > TOKEN_MARGIN_S:
        return f"the cached token was still valid, {left / 60:.0f} min left"
    return "the cached token had expired"
