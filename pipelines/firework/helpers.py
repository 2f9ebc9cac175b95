"""Reading every configured livestream's detail, with Firework's error answers sorted out.

Firework answers errors as ``{"error": "<message>"}``, and the message matters: a 401
"Unauthorized" means the token is dead (ask for another, once), a 401 "Access denied" means
this livestream is not ours to read, a 404 "Livestream not found" means the configured id is
gone, and a 404 "Not found" means the path itself is wrong (a base_url problem that fails
every call alike).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote

import httpx

from pipelines.errors import AuthError, ProviderError, TransientMalformed
from pipelines.fanout import fan_out_retrying
from pipelines.firework.auth import Auth, Clock, token_refused_again
from pipelines.firework.schema import DETAIL, Detail
from pipelines.firework.settings import DETAIL_PATH, PROVIDER, FireworkConfig
from pipelines.http import HttpSettings, ProviderClient, error_message
from pipelines.outage import retry_later
from pipelines.report import RunReport
from pipelines.tokens import TokenStore
from pipelines.validation import validate_json

NOT_FOUND = "livestream not found"
ACCESS_DENIED = "access denied"
MAX_NAMED = 20  # ids named in one warning line


class TokenRefused(AuthError):
    """401 "Unauthorized": the token expired or was revoked."""


class Skipped(ProviderError):
    """A configured livestream the API will not show: skipped, named, the others go on."""

    what: ClassVar[str] = "skipped"


class NotFound(Skipped):
    what = "not found (404 Livestream not found)"


class NotYours(Skipped):
    what = "refused (401 Access denied: another business's, or this app may not read it)"


class InvalidId(Skipped):
    what = "refused as malformed ids (400)"


def firework_client(config: FireworkConfig, settings: HttpSettings | None = None) -> ProviderClient:
    """A client for the API; the client secret is masked wherever it might show."""
    return ProviderClient(
        PROVIDER,
        config.base_url,
        secrets=(config.client_secret,),
        settings=settings or config.http(),
    )


def detail_classifier(client: ProviderClient) -> Callable[[httpx.Response, str], None]:
    """Firework's detail errors as the errors a run acts on; the rest as every provider's."""

    def classify(response: httpx.Response, endpoint: str) -> None:
        status = response.status_code
        if status not in (400, 401, 404):
            client.classify(response, endpoint)
            return
        message = error_message(response)
        cause = f"HTTP {status}: {message}"
        if not _names_its_error(response):
            # a body cut off or damaged in transit says nothing about which error this is
            # (not found? not ours? a wrong path?): ask again
            raise TransientMalformed(PROVIDER, endpoint, f"{cause} (no error message in the body)")
        lowered = message.strip().lower()
        if status == 401 and lowered == ACCESS_DENIED:
            raise NotYours(PROVIDER, endpoint, cause, status)
        if status == 401:
            raise TokenRefused(PROVIDER, endpoint, cause, status)
        if status == 404 and lowered == NOT_FOUND:
            raise NotFound(PROVIDER, endpoint, cause, status)
        if status == 404:
            raise ProviderError(
                PROVIDER, endpoint, f"{cause}: no such path; check sources.{PROVIDER}.base_url"
            )
        raise InvalidId(PROVIDER, endpoint, cause, status)

    return classify


@dataclass
class Fetched:
    """One configured livestream: its detail, or why it was skipped, or the run's error."""

    livestream_id: str
    detail: Detail | None = None
    skipped: Skipped | None = None
    error: ProviderError | None = None


# new tokens refused before any call used them, in one call, before the run blames the
# credentials (the first may be a token issued and revoked while others were in flight)
UNUSED_TOKEN_REFUSALS = 2


def fetch_detail(
    client: ProviderClient, auth: Auth, livestream_id: str, stop: threading.Event
) -> Fetched:
    """``GET /api/v1/live_streams/{id}/detail``, retried once with a new token when refused.

    A failure that will fail every other call too (credentials, a wrong base URL) sets
    ``stop`` so the others spend nothing more; one of this livestream only (it outlasted its
    retries, its answer was damaged) is tried again after the others (``fan_out_retrying``).
    """
    if stop.is_set():
        return Fetched(livestream_id)
    path = DETAIL_PATH.format(id=quote(livestream_id, safe=""))
    endpoint = f"GET {path}"
    classify = detail_classifier(client)

    def parse(response: httpx.Response) -> Detail:
        return validate_json(DETAIL, response.content, PROVIDER, endpoint)

    retried = False
    unused_refusals = 0
    try:
        token = auth.token()
        while True:
            headers = {"Authorization": f"Bearer {token}"}
            try:
                detail = client.request("GET", path, parse, headers=headers, classify=classify)
                auth.worked(token)
                return Fetched(livestream_id, detail=detail)
            except TokenRefused as exc:
                # a token that worked and is now refused has expired (or was revoked): renew
                # it, shared with every call it failed alike. Only new tokens refused on
                # their first use, again and again, point at the credentials: one new token
                # may be revoked before any call used it (Firework revokes while others run)
                if not auth.has_worked(token):
                    unused_refusals += 1
                    if unused_refusals > UNUSED_TOKEN_REFUSALS:
                        raise token_refused_again(endpoint, exc.cause) from None
                token, retried = auth.after_unauthorized(token), True
            except NotYours:
                fresh = None if retried else auth.after_access_denied(token)
                if fresh is None:
                    raise
                token, retried = fresh, True
    except Skipped as exc:
        return Fetched(livestream_id, skipped=exc)
    except ProviderError as exc:
        if not retry_later(exc):
            stop.set()  # refused credentials or a wrong base URL fail every call alike
        return Fetched(livestream_id, error=exc)


def fetch_all(
    config: FireworkConfig,
    report: RunReport,
    *,
    clock: Clock = time.time,
    store: TokenStore | None = None,
    ids: list[str] | None = None,
) -> Iterator[tuple[str, Detail]]:
    """The detail of each of ``ids`` (default: every configured livestream), in order,
    ``concurrency`` at once.

    A token is obtained first, so bad credentials cost one request and fail in one line.
    Skipped livestreams are named in the report's warnings; an error ends the run cleanly
    (recorded in the report) with what was read so far.
    """
    ids = config.ids() if ids is None else ids
    if not ids:
        return  # nothing to read, so no token to ask for either
    skipped: dict[type[Skipped], list[str]] = {}
    failed = False
    with firework_client(config) as client:
        try:
            auth = Auth(config, client, store=store, clock=clock)
            try:
                auth.token()
            except ProviderError as exc:
                report.fail(exc)
                return
            for result in fan_out_retrying(
                ids,
                lambda lid, stop: fetch_detail(client, auth, lid, stop),
                concurrency=config.concurrency,
                error_of=lambda fetched: fetched.error,
                report=report,
            ):
                if result.error is not None:
                    if not failed:  # calls in flight when it happened fail alike: say it once
                        report.fail(result.error)
                    failed = True
                elif result.skipped is not None:
                    skipped.setdefault(type(result.skipped), []).append(result.livestream_id)
                elif result.detail is not None:
                    report.add(pages=1)
                    yield result.livestream_id, result.detail
        finally:
            report.add(requests=client.requests_made)
    for kind, ids in skipped.items():
        report.warn(skipped_line(kind, ids))


def skipped_line(kind: type[Skipped], ids: list[str]) -> str:
    named = ", ".join(ids[:MAX_NAMED]) + (
        f" and {len(ids) - MAX_NAMED} more" if len(ids) > MAX_NAMED else ""
    )
    plural = "livestream" if len(ids) == 1 else "livestreams"
    return f"{PROVIDER}: {len(ids)} configured {plural} {kind.what}, skipped: {named}"


def _names_its_error(response: httpx.Response) -> bool:
    """Firework's error body, ``{"error": "<message>"}``, as documented."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), str) and bool(body["error"])
