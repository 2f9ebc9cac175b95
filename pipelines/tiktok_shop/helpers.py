"""Paging through one seller's livestreams, with KeyAPI's quirks kept here."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from pydantic import ValidationError

from pipelines.drift import drop_secret_fields
from pipelines.errors import BudgetReached, MalformedResponse, ProviderError
from pipelines.http import HttpSettings, ProviderClient
from pipelines.outage import retry_later
from pipelines.paging import NewestFirst
from pipelines.tiktok_shop.schema import ARROW_SCHEMA, ENVELOPE, Livestream
from pipelines.tiktok_shop.settings import (
    ANALYTICS_PATH,
    MAX_PAGE_NUM,
    PAGE_SIZE,
    PROVIDER,
    TikTokShopConfig,
)
from pipelines.units import unix_seconds
from pipelines.validation import describe, validate_json

ENDPOINT = f"GET {ANALYTICS_PATH}"
DOCUMENTED = frozenset(ARROW_SCHEMA.names)  # every field the reference lists is stored


@dataclass
class SellerResult:
    """Rows of one seller inside the window, and why paging ended if not by design."""

    seller_id: str
    rows: list[Livestream] = field(default_factory=list)
    pages: int = 0
    error: ProviderError | None = None
    budget_reached: bool = False
    stopped: bool = False  # another seller's failure stopped this one early
    rejected: int = 0  # records without a room_id
    complete_after: int | None = None  # rows started after this were all read (when stopped)


def keyapi_client(config: TikTokShopConfig, settings: HttpSettings) -> ProviderClient:
    """A client that authenticates the way KeyAPI wants (Bearer key), key masked everywhere."""
    return ProviderClient(
        PROVIDER,
        config.base_url,
        headers={"Authorization": f"Bearer {config.api_key}"},
        secrets=(config.api_key,),
        settings=settings,
    )


@dataclass
class Page:
    """A page's records, and how many it held without a ``room_id`` (rejected)."""

    rows: list[Livestream]
    rejected: int = 0

    @property
    def size(self) -> int:
        return len(self.rows) + self.rejected


def parse_page(response: httpx.Response) -> Page:
    """A page's records, or MalformedResponse naming what is wrong with it.

    A record without its ``room_id`` cannot be merged or told apart: it is rejected and
    counted, and the rest of the page is kept (the seller is then read again, and named if
    the id is still missing). Anything else wrong with a record fails the page.
    """
    try:
        envelope = ENVELOPE.validate_json(response.content)
        rejected = 0
    except ValidationError as exc:
        without_id = _records_without_id(exc)
        if not without_id:
            raise MalformedResponse(PROVIDER, ENDPOINT, describe(exc)) from None
        doc = orjson.loads(response.content)
        doc["data"] = [r for i, r in enumerate(doc["data"]) if i not in without_id]
        envelope = validate_json(ENVELOPE, orjson.dumps(doc), PROVIDER, ENDPOINT)
        rejected = len(without_id)
    if envelope["code"] != 0:
        raise ProviderError(
            PROVIDER, ENDPOINT, f"code {envelope['code']}: {envelope.get('message') or ''}"
        )
    rows = envelope.get("data") or []
    for row in rows:
        drop_secret_fields(row, DOCUMENTED)  # type: ignore[arg-type]
        row["create_time"] = unix_seconds(row["create_time"]) or 0
        row["finish_time"] = unix_seconds(row.get("finish_time"))
    return Page(rows, rejected)


def _records_without_id(error: ValidationError) -> set[int]:
    """Indexes of the records that lack ``room_id``, when every error lies in one of them
    (an empty set otherwise, and for a body that is not JSON)."""
    found: set[int] = set()
    records: set[Any] = set()
    for item in error.errors():
        loc = item["loc"]
        if len(loc) < 2 or loc[0] != "data" or item["type"] == "json_invalid":
            return set()
        records.add(loc[1])
        if loc[2:] == ("room_id",) and item["type"] == "missing":
            found.add(int(loc[1]))
    return found if records == found else set()


def check_credentials(config: TikTokShopConfig) -> str:
    """KeyAPI has no free call: one request for one record of the first seller (1 credit)."""
    settings = dataclasses.replace(config.http(), max_attempts=2, max_requests=2)
    with keyapi_client(config, settings) as client:
        params = {"seller_id": config.seller_ids[0], "page_num": 1, "page_size": 1}
        client.request("GET", ANALYTICS_PATH, parse_page, params=params)
        return f"ok ({client.requests_made} credit spent; KeyAPI has no free call)"


def fetch_seller(
    client: ProviderClient, seller_id: str, start_ts: int, end_ts: int, stop: threading.Event
) -> SellerResult:
    """Page one seller until a short page, keeping records whose start is in [start, end).

    KeyAPI has no date filter and bills every page. Pages are assumed newest first
    (docs/providers/tiktok_shop.md), so paging stops at the first page that reaches past the
    window's start, while the feed really is in that order (pipelines/paging.py).
    """
    result = SellerResult(seller_id)
    order = NewestFirst(start_ts)
    for page_num in range(1, MAX_PAGE_NUM + 1):
        if stop.is_set():
            result.stopped = True
            break
        params = {"seller_id": seller_id, "page_num": page_num, "page_size": PAGE_SIZE}
        try:
            page = client.request("GET", ANALYTICS_PATH, parse_page, params=params)
        except BudgetReached:
            result.budget_reached = True
            break
        except ProviderError as exc:
            result.error = exc
            if not retry_later(exc):
                stop.set()  # a bad key or an empty wallet fails every seller alike: stop now
            break
        result.pages += 1
        result.rejected += page.rejected
        result.rows.extend(r for r in page.rows if start_ts <= r["create_time"] < end_ts)
        if page.size < PAGE_SIZE:
            break
        stop_here = order.past_window([r["create_time"] for r in page.rows])
        result.complete_after = order.complete_after
        if stop_here:
            break  # every later record is older still
    if result.rejected and result.error is None:
        # which day a rejected record belongs to is not known: none of the seller's is whole
        plural = "record" if result.rejected == 1 else "records"
        result.error = MalformedResponse(
            PROVIDER,
            ENDPOINT,
            f"malformed response: seller {seller_id}: {result.rejected} {plural} without "
            "room_id rejected",
        )
        result.complete_after = None
    return result
