"""Signed calls to Shopee's livestream API for every configured account.

Every call is signed over a timestamp, and each attempt is signed afresh when it is sent
(``ProviderClient``'s ``prepare``): a retry after a throttled answer carries a new
timestamp, never the first attempt's stale one. Access tokens come from the token store
through one ``TokenKeeper`` per account: reused while they last, refreshed under the
account's lock, the rotated refresh token saved before the new access token is used.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter

from pipelines.errors import MalformedResponse, ProviderError
from pipelines.http import Attempt, HttpSettings, ProviderClient, answer_lost, transport_cause
from pipelines.shopee.errors import (
    AppRefused,
    QuotaReached,
    RefreshRefused,
    TokenRefused,
    classify,
    classify_refresh,
    lost_after_rotation,
)
from pipelines.shopee.schema import TOKEN_ANSWER, Envelope
from pipelines.shopee.settings import (
    LIVE,
    PROVIDER,
    REFRESH_ENDPOINT,
    REFRESH_PATH,
    REFRESH_TIMEOUT_FACTOR,
    TOKEN_MARGIN_S,
    Account,
    ShopeeConfig,
)
from pipelines.tokens import Tokens, TokenStore, default_store, fingerprint
from pipelines.tokens.keeper import TokenKeeper
from pipelines.validation import validate_json

T = TypeVar("T")


def sign(partner_key: str, *parts: object) -> str:
    """Lowercase hex HMAC-SHA256 of the parts run together, keyed with the partner key."""
    message = "".join(str(p) for p in parts).encode()
    return hmac.new(partner_key.encode(), message, hashlib.sha256).hexdigest()


class ShopeeApi:
    """One app's client: its partner credentials, a clock, and a token keeper per account.

    Args:
        config: ``sources.shopee``.
        store: where tokens persist (default: the state directory's store).
        clock: unix seconds by Shopee's clock (default: this machine's, plus
            ``clock_offset_s``); every signature and token expiry is read off it.
        settings: HTTP settings (default: the config's).
    """

    def __init__(
        self,
        config: ShopeeConfig,
        *,
        store: TokenStore | None = None,
        clock: Callable[[], float] | None = None,
        settings: HttpSettings | None = None,
    ) -> None:
        self.config = config
        self.partner_id = int(config.partner_id)
        self._key = config.partner_key
        self.clock = clock or config.now
        self.store = store if store is not None else default_store()
        self.accounts = {a.user_id: a for a in config.account_list()}
        self.client = ProviderClient(
            PROVIDER,
            config.base_url,
            secrets=(config.partner_key, *(a.refresh_token for a in self.accounts.values())),
            settings=settings or config.http(),
        )
        self._keepers: dict[int, TokenKeeper] = {}
        self._lock = threading.Lock()
        self.refused: AppRefused | None = None  # the app's credentials failed: call no more
        self._stopped: dict[int, ProviderError] = {}  # accounts failed for good, and why

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ShopeeApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def requests_made(self) -> int:
        return self.client.requests_made

    def stop_account(self, user_id: int, error: ProviderError) -> None:
        """``user_id`` failed for good (its refresh refused, its daily limit reached): its
        calls from now on raise ``error`` without being sent."""
        with self._lock:
            self._stopped.setdefault(user_id, error)

    def stopped(self, user_id: int) -> bool:
        with self._lock:
            return user_id in self._stopped

    def _unless_stopped(self, user_id: int) -> None:
        with self._lock:
            error = self._stopped.get(user_id)
        if error is not None:
            raise error

    # --- tokens ------------------------------------------------------------------------------

    def keeper(self, user_id: int) -> TokenKeeper:
        """The account's token keeper (one per account, shared by every thread)."""
        with self._lock:
            keeper = self._keepers.get(user_id)
            if keeper is None:
                account = self.accounts[user_id]
                keeper = TokenKeeper(
                    self.store,
                    PROVIDER,
                    str(user_id),
                    refresh=lambda spend: self._refresh(account, spend),
                    seed_refresh_token=account.refresh_token,
                    seed=self.chain_seed(account),
                    margin_s=TOKEN_MARGIN_S,
                    clock=self.clock,
                )
                self._keepers[user_id] = keeper
            return keeper

    def chain_seed(self, account: Account) -> str:
        """What a stored token chain grew from: the configured refresh token of this app on
        this host. A new authorisation, another app or another host starts a new chain."""
        return fingerprint(account.refresh_token, str(self.partner_id), self.config.base_url)

    def _refresh(self, account: Account, refresh_token: str | None) -> Tokens:
        """Spend ``refresh_token`` for a new pair (refresh_access_token)."""
        assert refresh_token is not None
        self._unless_stopped(account.user_id)  # a thread queued on the account's lock
        body = {
            "refresh_token": refresh_token,
            "partner_id": self.partner_id,
            "user_id": account.user_id,
        }
        lost: list[str] = []  # how earlier answers were lost: damaged, or never arrived
        timeout_s = self.client.settings.timeout_s * REFRESH_TIMEOUT_FACTOR

        def parse(response: httpx.Response) -> Any:
            try:
                return validate_json(TOKEN_ANSWER, response.content, PROVIDER, REFRESH_ENDPOINT)
            except MalformedResponse as exc:
                lost.append(f"was damaged ({exc.cause})")
                raise

        def unanswered(exc: BaseException | None) -> None:
            if isinstance(exc, httpx.ReadTimeout):
                lost.append(f"never arrived (no answer within {timeout_s:g} s)")
            elif answer_lost(exc):
                lost.append(f"was cut off ({transport_cause(exc)})")

        asked_at = self.clock()
        try:
            for asked in (1, 2):
                try:
                    answer = self._request(
                        "POST",
                        REFRESH_PATH,
                        parse,
                        json=body,
                        classify=classify_refresh(account.user_id),
                        prepare=lambda: self._signed(REFRESH_PATH),
                        timeout_s=timeout_s,
                        on_retry=unanswered,
                    )
                    break
                except MalformedResponse:
                    # a damaged answer says nothing of whether Shopee rotated the token:
                    # the same refresh token once more finds out (accepted: nothing lost)
                    if asked == 2:
                        raise
        except RefreshRefused as exc:
            if lost:
                exc = lost_after_rotation(account.user_id, lost[0], exc.status)
            self.stop_account(account.user_id, exc)  # before the lock is let go
            raise exc from None
        return Tokens(
            access_token=answer["access_token"],
            expires_at=asked_at + answer["expire_in"],
            refresh_token=answer["refresh_token"],
        )

    # --- calls -------------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, parse: Callable[[httpx.Response], T], **kw: Any
    ) -> T:
        """``ProviderClient.request``, unless the app was refused already: then nothing is sent."""
        if self.refused is not None:
            raise self.refused
        try:
            return self.client.request(method, path, parse, **kw)
        except AppRefused as exc:
            self.refused = exc
            raise

    def _signed(self, path: str, *user: object) -> Attempt:
        """Common parameters of one attempt, signed now: public calls sign partner_id, path
        and timestamp; user calls add access_token and user_id (docs/providers/shopee.md)."""
        timestamp = int(self.clock())
        params: dict[str, Any] = {"partner_id": self.partner_id, "timestamp": timestamp}
        if user:
            params["access_token"], params["user_id"] = user
        params["sign"] = sign(self._key, self.partner_id, path, timestamp, *user)
        return Attempt(params=params)

    def get(self, user_id: int, api: str, adapter: TypeAdapter[Envelope[T]], **params: Any) -> T:
        """``GET /api/v2/livestream/<api>`` for the account: its ``response``.

        An account that failed for good (refresh refused, token refused again, daily limit)
        sends nothing more in this run: its calls raise that failure.
        """
        self._unless_stopped(user_id)
        try:
            return self._get_with_token(user_id, api, adapter, params)
        except (TokenRefused, RefreshRefused, QuotaReached) as exc:
            self.stop_account(user_id, exc)
            raise

    def _get_with_token(
        self, user_id: int, api: str, adapter: TypeAdapter[Envelope[T]], params: Mapping[str, Any]
    ) -> T:
        """A refused access token is refreshed once (another thread or process may have done
        it already: the keeper then hands over theirs); refused again, the account is done."""
        keeper = self.keeper(user_id)
        token = keeper.access_token()
        try:
            return self._get(user_id, api, adapter, token, params)
        except TokenRefused:
            token = keeper.rejected(token)
        try:
            return self._get(user_id, api, adapter, token, params)
        except TokenRefused as exc:
            raise TokenRefused(
                PROVIDER,
                exc.endpoint,
                f"account {user_id}: {exc.cause} right after a refresh: authorise the account "
                "again (docs/token-store.md)",
                exc.status,
            ) from None

    def _get(
        self,
        user_id: int,
        api: str,
        adapter: TypeAdapter[Envelope[T]],
        token: str,
        params: Mapping[str, Any],
    ) -> T:
        path = LIVE + api
        endpoint = f"GET {path}"

        def parse(response: httpx.Response) -> T:
            answer = validate_json(adapter, response.content, PROVIDER, endpoint)
            body = answer.get("response")
            if body is None:
                raise MalformedResponse(PROVIDER, endpoint, "malformed response: response: missing")
            return body

        return self._request(
            "GET",
            path,
            parse,
            params=params,
            classify=classify,
            prepare=lambda: self._signed(path, token, user_id),
        )
