"""Talking to LiSA: ``ApiKey`` authentication, its error bodies, and scrolling pagination."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import TypeAdapter

from pipelines.errors import MalformedResponse, ProviderError
from pipelines.http import HttpSettings, ProviderClient, error_message
from pipelines.lisa.schema import COUNT, ChannelPage, ShowPage
from pipelines.lisa.settings import (
    ALL_STATUSES,
    PAGE_SIZE,
    PROVIDER,
    SHOWS_COUNT_PATH,
    LisaConfig,
)
from pipelines.outage import Outage, retry_later
from pipelines.redaction import redact
from pipelines.validation import validate_json


def lisa_client(config: LisaConfig, settings: HttpSettings | None = None) -> ProviderClient:
    """A client that authenticates the way LiSA wants (``ApiKey``), key masked everywhere."""
    return ProviderClient(
        PROVIDER,
        config.base_url,
        headers={"Authorization": f"ApiKey {config.api_key}"},
        secrets=(config.api_key,),
        settings=settings or config.http(),
    )


def classify(client: ProviderClient) -> Callable[[httpx.Response, str], None]:
    """The shared statuses, with LiSA's 400 body read whole: code, message and each issue's
    path, so a refused filter says which parameter and why, in one line."""

    def check(response: httpx.Response, endpoint: str) -> None:
        if response.status_code == 400:
            raise ProviderError(PROVIDER, endpoint, f"HTTP 400: {bad_request(response)}", 400)
        client.classify(response, endpoint)

    return check


def bad_request(response: httpx.Response) -> str:
    """``Http:BadRequest``'s message and where each issue lies (``path``), one line."""
    try:
        body = response.json()
    except ValueError:
        return error_message(response)
    if not isinstance(body, dict):
        return error_message(response)
    message = str(body.get("message") or body.get("code") or "bad request")
    details = []
    for issue in body.get("issues") or []:
        if not isinstance(issue, dict):
            continue
        path = ".".join(str(p) for p in issue.get("path") or []) or "request"
        said = str(issue.get("message") or issue.get("code") or "")
        details.append(path if said in ("", message) else f"{path}: {said}")
    text = message if not details else f"{message} (at {'; '.join(details)})"
    return redact(" ".join(text.split()))


@dataclass
class Listing:
    """Every item of one scrolled listing, and why scrolling ended if not at the last page."""

    items: list[Any] = field(default_factory=list)
    pages: int = 0
    error: ProviderError | None = None
    shifted: bool = False  # numItemsTotal changed while scrolling: the list moved under us
    server_time: datetime | None = None  # the first answer's Date header: LiSA's clock


def scroll(
    client: ProviderClient,
    path: str,
    adapter: TypeAdapter[ShowPage] | TypeAdapter[ChannelPage],
    params: Mapping[str, str | int],
    stop: threading.Event | None = None,
    outage: Outage | None = None,
    keep: Callable[[Any], Any] | None = None,
) -> Listing:
    """Follow ``scrolling.cursor`` until it is null or absent; ``keep`` turns each item into
    what the listing holds (a year of shows is gigabytes as parsed documents).

    LiSA's cursor carries no filters: every parameter is sent again with each page (a page
    asked for with the cursor alone belongs to the unfiltered, default-ordered list). A page
    that outlasted its retries or came back damaged is one page's bad luck: the same page is
    asked for again, as an item of the other providers is, until ``outage`` (shared by the
    run's listings) opens on failures in a row. Any other provider error, or the outage,
    ends the listing and is returned with what was read before it.
    """
    outage = outage or Outage(PROVIDER)
    listing = Listing()
    endpoint = f"GET {path}"
    seen: set[str] = set()
    totals: set[int] = set()
    cursor: str | None = None
    while (stop is None or not stop.is_set()) and not outage.open:
        query = {**params, "limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
        try:
            page, headers = client.request(
                "GET",
                path,
                lambda r: (_page(adapter, r.content, endpoint), r.headers),
                params=query,
                classify=classify(client),
            )
        except ProviderError as exc:
            if not retry_later(exc):
                listing.error = exc
                break
            outage.failed(exc)
            continue  # the same page again, unless that made an outage
        outage.succeeded()
        listing.pages += 1
        if listing.server_time is None:
            listing.server_time = _http_date(headers.get("date"))
        listing.items.extend(page["items"] if keep is None else map(keep, page["items"]))
        scrolling = page.get("scrolling") or {}
        if scrolling.get("numItemsTotal") is not None:
            totals.add(int(scrolling["numItemsTotal"]))
        cursor = scrolling.get("cursor")
        if not cursor:
            break
        if cursor in seen:
            listing.error = MalformedResponse(
                PROVIDER, endpoint, "malformed response: scrolling.cursor repeats an earlier page"
            )
            break
        seen.add(cursor)
    if outage.open and listing.error is None:
        listing.error = outage.error()
    listing.shifted = len(totals) > 1
    return listing


def _page(adapter: TypeAdapter[Any], content: bytes, endpoint: str) -> Any:
    return validate_json(adapter, content, PROVIDER, endpoint)


def _http_date(value: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def check_credentials(config: LisaConfig) -> str:
    """One cheap call: how many shows the key can see (``GET /shows/count``)."""
    settings = dataclasses.replace(config.http(), max_attempts=2, max_requests=2)
    with lisa_client(config, settings) as client:
        answer = client.request(
            "GET",
            SHOWS_COUNT_PATH,
            lambda r: validate_json(COUNT, r.content, PROVIDER, f"GET {SHOWS_COUNT_PATH}"),
            params={"status": ALL_STATUSES},
            classify=classify(client),
        )
        return f"ok ({answer['count']} shows visible to the key)"
