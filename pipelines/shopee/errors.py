"""What Shopee's error envelope means for a run, as the shared errors (pipelines/errors.py).

Shopee puts the verdict in the body: ``error`` non-empty is a failure whether the status is
200 (data errors, often the throttle) or 403 (signature and token errors). Each code maps to
how far the failure reaches: one session (``error_data``), one account (a refused token, the
daily limit) or the whole app (a wrong signature, partner id or clock).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from pydantic import ValidationError

from pipelines.errors import AuthError, CreditsExhausted, ProviderError, RetryableStatus
from pipelines.http import retry_after
from pipelines.shopee.schema import ERROR_ONLY
from pipelines.shopee.settings import PROVIDER, REFRESH_ENDPOINT

RETRYABLE = frozenset({"error_server", "error_rate_limit"})
TOKEN_REFUSED = frozenset({"error_auth", "invalid_acceess_token", "invalid_access_token"})
REAUTHORISE = (
    "authorise the account again and put its new refresh_token in sources.shopee.accounts "
    "(docs/token-store.md)"
)


class AppRefused(AuthError):
    """The app's own credentials or clock are wrong: every call would fail alike."""


class TokenRefused(AuthError):
    """An access token was refused: worth one refresh, then the account is done."""


class RefreshRefused(AuthError):
    """Shopee will not refresh this account's tokens: the seller must authorise again."""


def lost_after_rotation(account: int, how: str, status: int | None) -> RefreshRefused:
    """The refresh answer was damaged on its way or never arrived (``how``), and the retry
    with the same refresh token was refused: Shopee had rotated it, and the new pair is lost."""
    return RefreshRefused(
        PROVIDER,
        REFRESH_ENDPOINT,
        f"account {account}: Shopee's answer to the token refresh {how} after "
        "Shopee had already rotated the refresh token, so the new one was lost; "
        f"{REAUTHORISE}. The other accounts are not affected",
        status,
    )


class QuotaReached(CreditsExhausted):
    """The daily call limit (``error_limit``), reset at 00:00 UTC+8."""


class SessionUnavailable(ProviderError):
    """``error_data``: the configured session is not this account's, or does not exist."""


def verdict(response: httpx.Response) -> tuple[str, str]:
    """(error code, 'code "message"') of an answer; ("", "") when the envelope says none.

    A body that is not JSON has no verdict of its own: its HTTP status decides, and a 2xx
    one reaches parsing, which reports it as malformed (and retries).
    """
    try:
        body = ERROR_ONLY.validate_json(response.content)
    except ValidationError:
        return "", ""
    code = str(body.get("error") or "")
    message = str(body.get("message") or "").strip()
    return code, (f'{code} "{message}"' if message and code else code)


def envelope_error(response: httpx.Response, endpoint: str) -> ProviderError | None:
    """The error an answer carries, None for a good one."""
    status = response.status_code
    code, said = verdict(response)
    if not code:
        if status == 429 or status >= 500:
            cause = f"HTTP {status}"
            return RetryableStatus(PROVIDER, endpoint, cause, status, retry_after(response))
        if status >= 400:
            return ProviderError(PROVIDER, endpoint, f"HTTP {status}", status)
        return None
    lowered = said.lower()
    if code in RETRYABLE:
        return RetryableStatus(PROVIDER, endpoint, said, status, retry_after(response))
    if code == "error_sign":
        why = f"signature refused ({said}): check sources.shopee.partner_id and partner_key"
        return AppRefused(PROVIDER, endpoint, why, status)
    if "partner_id" in lowered:
        why = f"partner refused ({said}): check sources.shopee.partner_id"
        return AppRefused(PROVIDER, endpoint, why, status)
    if "timestamp" in lowered:
        why = (
            f"timestamp refused ({said}): this machine's clock is more than 5 minutes off "
            "Shopee's; synchronise it (or set sources.shopee.clock_offset_s)"
        )
        return AppRefused(PROVIDER, endpoint, why, status)
    if code in TOKEN_REFUSED:
        return TokenRefused(PROVIDER, endpoint, f"access token refused ({said})", status)
    if code == "error_limit":
        why = (
            f"daily call limit reached ({said}): the account stops here until the limit "
            "resets at 00:00 UTC+8"
        )
        return QuotaReached(PROVIDER, endpoint, why, status)
    if code == "error_data":
        return SessionUnavailable(PROVIDER, endpoint, said, status)
    return ProviderError(PROVIDER, endpoint, said, status)


def classify(response: httpx.Response, endpoint: str) -> None:
    """``ProviderClient.request``'s classify for livestream calls: the envelope decides."""
    error = envelope_error(response, endpoint)
    if error is not None:
        raise error


def classify_refresh(account: int) -> Callable[[httpx.Response, str], None]:
    """Classify for an account's token refresh: a refusal tells the user to authorise again."""

    def check(response: httpx.Response, endpoint: str) -> None:
        error = envelope_error(response, endpoint)
        if error is None or isinstance(error, RetryableStatus | AppRefused):
            if error is not None:
                raise error
            return
        _, said = verdict(response)
        why = f"account {account}: refresh token refused ({said or error.cause}): {REAUTHORISE}"
        raise RefreshRefused(PROVIDER, endpoint, why, error.status)

    return check
