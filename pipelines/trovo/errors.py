"""Trovo's error codes (reference section 11), each read as one line and one kind of error.

An error body is ``{status, error, message}``, and it may come with HTTP 200: Trovo's 11706
(over the rate limit) is documented with either 429 or 200. So every answer's body is
checked, not only the HTTP status. ``status`` is read whether it arrives as a number or a
string.
"""

from __future__ import annotations

from typing import Literal

import httpx

from pipelines.errors import (
    AuthError,
    MalformedResponse,
    ProviderError,
    RateLimited,
    RetryableStatus,
)
from pipelines.http import error_message, rate_limit_wait, retry_after
from pipelines.trovo.schema import ERROR_BODY
from pipelines.trovo.settings import PROVIDER
from pipelines.validation import validate_json

Kind = Literal["retry", "rate", "auth", "token", "missing", "denied", "fail"]


class TokenRejected(AuthError):
    """The user's access token expired (11714) or was refused (11704): refresh it once."""


class NotFound(ProviderError):
    """The user or channel does not exist (10505): skip it, say so, go on with the others."""


class Denied(ProviderError):
    """The token's owner may not read this (10703), e.g. another channel's subscribers."""


# code -> (kind, what it means for a run). The line a run ends with reads
# "trovo: <endpoint>: <meaning> (<code>: <Trovo's message>)".
CODES: dict[int, tuple[Kind, str]] = {
    -10500: ("retry", "profile data could not be fetched"),
    -1201: ("retry", "Trovo's internal service failed"),
    -1000: ("retry", "Trovo's internal service timed out"),
    1002: ("fail", "invalid parameters"),
    1111: ("retry", "unknown internal server error"),
    1203: ("retry", "conflict"),
    10505: ("missing", "no such user or channel"),
    10703: ("denied", "authorization failed: the token's owner may not read this"),
    10710: ("auth", "authorization code does not exist or has expired"),
    10908: ("fail", "refused as spam"),
    11000: ("fail", "no such category (check sources.trovo.top_channels_category)"),
    11101: ("fail", "content conflicts with Trovo's moderation rules"),
    11103: ("fail", "content conflicts with Trovo's moderation rules"),
    11400: ("auth", "the account is blocked by Trovo"),
    11701: ("auth", "Client-ID refused (check sources.trovo.client_id)"),
    11703: ("auth", "invalid scope"),
    11704: ("token", "access token refused"),
    11706: ("rate", "over the client id's rate limit"),
    11707: ("fail", "no permission to send chats to this channel"),
    11708: ("fail", "invalid shard value"),
    11709: ("fail", "no permission to get a sharding token"),
    11710: ("auth", "authorization code does not exist or has expired"),
    11711: ("auth", "authorization code already used"),
    11712: ("auth", "refresh token expired: authorise the app again (docs/token-store.md)"),
    11713: ("auth", "refresh token refused: authorise the app again (docs/token-store.md)"),
    11714: ("token", "access token expired"),
    11715: ("fail", "invalid grant type"),
    11716: ("fail", "invalid redirect URI"),
    11717: ("auth", "client secret refused (check sources.trovo.client_secret)"),
    11718: (
        "fail",
        "over 50 live access tokens from this refresh token; wait until old ones expire",
    ),
    11730: ("auth", "scope not authorized by the user"),
    12400: ("fail", "the user is banned from chatting in this channel"),
    12401: ("fail", "the channel is in slow mode"),
    12402: ("fail", "the channel is in follower-only chat mode"),
    12905: ("fail", "no permission to send hyperlinks in this channel"),
    12906: ("fail", "the message conflicts with the channel's moderation settings"),
    20000: ("fail", "unknown bad request error"),
}


def classify(response: httpx.Response, endpoint: str) -> None:
    """Raise what a Trovo error body (or, without one, the HTTP status) means; pass success."""
    code, message = _error_body(response)
    http = response.status_code
    if code is None:
        if http >= 400:
            _by_http_status(response, endpoint)
        return
    kind, meaning = CODES.get(code, ("retry" if http >= 500 else "fail", "error"))
    cause = f"{meaning} ({code}: {message})" if message else f"{meaning} ({code})"
    if kind == "rate":
        raise RateLimited(PROVIDER, endpoint, cause, http, rate_limit_wait(response))
    if kind == "retry":
        raise RetryableStatus(PROVIDER, endpoint, cause, http, retry_after(response))
    error = {
        "auth": AuthError,
        "token": TokenRejected,
        "missing": NotFound,
        "denied": Denied,
    }.get(kind, ProviderError)
    raise error(PROVIDER, endpoint, cause, http)


def _error_body(response: httpx.Response) -> tuple[int | None, str]:
    """(status code, message) of a Trovo error body; (None, "") for any other answer."""
    content = response.content
    if b'"status"' not in content:  # success bodies never carry a top-level status
        return None, ""
    try:
        body = validate_json(ERROR_BODY, content, PROVIDER, "error body")
    except MalformedResponse:
        return None, ""
    if body["status"] == 0:
        return None, ""
    return body["status"], (body.get("message") or body.get("error") or "").strip()


def _by_http_status(response: httpx.Response, endpoint: str) -> None:
    http = response.status_code
    cause = f"HTTP {http}: {error_message(response)}"
    if http == 429:
        raise RateLimited(PROVIDER, endpoint, cause, http, rate_limit_wait(response))
    if http >= 500:
        raise RetryableStatus(PROVIDER, endpoint, cause, http, retry_after(response))
    if http in (401, 403):
        raise AuthError(PROVIDER, endpoint, f"credentials refused ({cause})", http)
    if http == 404:  # no such path: every call would fail alike
        raise ProviderError(PROVIDER, endpoint, f"{cause} (check sources.trovo.base_url)", http)
    raise ProviderError(PROVIDER, endpoint, cause, http)
