"""Firework's client-credentials tokens: kept in the token store, renewed when they expire or
when a call is refused, never in a loop.

There is no refresh token (docs/providers/firework.md): a new access token is asked for with the
client credentials. It is saved in the token store (docs/token-store.md) under the configured
``account_id`` and reused by every run until ``TOKEN_MARGIN_S`` before its ``expires_in``.
The stored token's seed is a fingerprint of the client id and secret, so configuring other
credentials replaces it instead of reusing a token the new ones never earned.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from pipelines.errors import AuthError, ProviderError
from pipelines.firework.schema import TOKEN
from pipelines.firework.settings import PROVIDER, TOKEN_MARGIN_S, TOKEN_PATH, FireworkConfig
from pipelines.http import ProviderClient, error_message
from pipelines.redaction import register_secret
from pipelines.tokens import TokenKeeper, Tokens, TokenStore, default_store, fingerprint
from pipelines.validation import validate_json

TOKEN_ENDPOINT = f"POST {TOKEN_PATH}"
Clock = Callable[[], float]


def credentials_seed(config: FireworkConfig) -> str:
    return fingerprint(config.client_id, config.client_secret)


def request_token(client: ProviderClient, config: FireworkConfig, clock: Clock) -> Tokens:
    """One ``POST /oauth/token`` (form-encoded client credentials): a new access token."""
    form = {
        "grant_type": "client_credentials",
        "client_id": config.client_id,
        "client_secret": config.client_secret,
    }

    def classify(response: httpx.Response, endpoint: str) -> None:
        if response.status_code == 401:
            raise AuthError(
                PROVIDER,
                endpoint,
                f"client credentials refused (HTTP 401: {error_message(response)}); check "
                f"sources.{PROVIDER}.client_id and client_secret",
                401,
            )
        client.classify(response, endpoint)

    asked_at = clock()
    answer = client.request(
        "POST",
        TOKEN_PATH,
        lambda r: validate_json(TOKEN, r.content, PROVIDER, TOKEN_ENDPOINT),
        data=form,
        classify=classify,
    )
    register_secret(answer["access_token"])
    return Tokens(answer["access_token"], expires_at=asked_at + answer["expires_in"])


class Auth:
    """Bearer tokens for one run: the stored one while it lasts, a new one when refused.

    Args:
        config: the provider's configuration (client id, secret, account label).
        client: the run's HTTP client (token requests are counted with the rest).
        store: where tokens persist; the state directory's store unless a test hands another.
        clock: unix seconds now; tokens expire by it.
    """

    def __init__(
        self,
        config: FireworkConfig,
        client: ProviderClient,
        *,
        store: TokenStore | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.keeper = TokenKeeper(
            store if store is not None else default_store(),
            PROVIDER,
            config.account_id,
            refresh=lambda _none: request_token(client, config, clock),
            seed=credentials_seed(config),
            margin_s=TOKEN_MARGIN_S,
            clock=clock,
        )
        self._lock = threading.Lock()
        self._denial_refresh_spent = False
        self._worked: set[str] = set()

    def token(self) -> str:
        return self.keeper.access_token()

    def worked(self, token: str) -> None:
        """``token`` was accepted at least once: if it is refused later, it expired."""
        with self._lock:
            self._worked.add(token)

    def has_worked(self, token: str) -> bool:
        with self._lock:
            return token in self._worked

    def after_unauthorized(self, refused: str) -> str:
        """The token to retry with after a 401 "Unauthorized" (expired or revoked token).

        Several calls refused at once share one new token: the keeper hands out whatever
        replaced ``refused`` if another thread already asked.
        """
        return self.keeper.rejected(refused)

    def after_access_denied(self, refused: str) -> str | None:
        """A token to retry one 401 "Access denied" with; a new one at most once per run.

        "Access denied" comes with a valid token: the livestream belongs to another business,
        or the token may not read it. A new token cannot change the first, so the run tries
        one (in case the stored token was a narrower one) and never another: later denials
        retry only if that new token differs from the one refused, else get None (skip).
        """
        with self._lock:
            first = not self._denial_refresh_spent
            self._denial_refresh_spent = True
        if first:
            return self.keeper.rejected(refused)
        current = self.keeper.access_token()  # another call may have spent the refresh
        return current if current != refused else None


def token_refused_again(endpoint: str, cause: str) -> ProviderError:
    return AuthError(
        PROVIDER,
        endpoint,
        f"access token refused right after a new one was issued ({cause}); check the "
        "app's access to livestreams",
        401,
    )
