"""LiSA shows against the reference, field by field, and the world a source's tests rely on:
the midnight cases, filter bounds, the last page, and editing a show for ``modified_since``."""

from __future__ import annotations

import base64
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from sandbox import SandboxConfig, SandboxServer
from sandbox.providers.lisa import LisaService
from tests.conftest import FROZEN_AT
from tests.sandbox.test_lisa_conformance import Lisa, Receiver, iso, subscribe, ts, wait_for

ALL = "archived,draft,ready"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# The show object of lisa-customer-api.md (GET /shows, /shows/{id}, webhook ``detail``)
SHOW_KEYS = {
    "id",
    "meta",
    "name",
    "status",
    "accessToken",
    "accessibility",
    "assets",
    "conducted",
    "date",
    "description",
    "features",
    "hosts",
    "live",
    "options",
    "preRecorded",
    "preview",
    "promotion",
    "rtmpDestinations",
    "streams",
    "title",
    "views",
}
STREAM_KEYS = {"id", "end", "metrics", "recordings", "shortClips", "start", "type"}
METRIC_KEYS = {"durationInMs", "numberOfEmojis", "numberOfMessages", "numberOfViewers"}
CAROUSEL_KEYS = {"highlighted", "itemId", "position", "sold", "visible", "type", "itemData"}
ITEM_DATA_KEYS = {
    "brand",
    "description",
    "hasStock",
    "id",
    "mainImage",
    "name",
    "price",
    "reference",
    "storeOverrides",
    "title",
    "url",
    "variants",
}
PRICE_KEYS = {"currencyCode", "currencySymbol", "price", "salePrice", "unitPrice"}
UNIT_PRICE_KEYS = {"baseUnit", "baseValue", "measureUnit", "measureValue", "value"}
CHANNEL_KEYS = {"assets", "description", "highlightedShows", "hosts", "id", "slug", "title", "url"}


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxServer]:
    """One read-only sandbox for the tests that only look (seed 7, 30 days, FROZEN_AT)."""
    config = SandboxConfig(seed=7, scale=1, days=30, frozen_at=FROZEN_AT, providers=["lisa"])
    with SandboxServer(config) as server:
        yield server


@pytest.fixture(scope="module")
def shows(world: SandboxServer) -> list[dict[str, Any]]:
    return Lisa(world).all("/shows", limit=100, status=ALL)


def service(server: SandboxServer) -> LisaService:
    svc = server.runtime.services["lisa"]
    assert isinstance(svc, LisaService)
    return svc


def day_of(stamp: str) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()


def session_days(show: dict[str, Any]) -> list[date]:
    """The contract's session date: each stream's start day, else the scheduled day."""
    return [day_of(s["start"]) for s in show["streams"]] or [day_of(show["date"])]


# the show object ----------------------------------------------------------------------


def test_show_fields_and_types_are_the_references(shows: list[dict[str, Any]]) -> None:
    assert len(shows) == 265
    overrides = variants = unit_prices = 0
    for show in shows:
        assert set(show) == SHOW_KEYS, show["id"]  # no ``channels``: the reference has none
        assert UUID.match(show["id"])
        assert show["status"] in ("archived", "draft", "ready")
        assert STAMP.match(show["date"]) and STAMP.match(show["meta"]["createdAt"])
        assert STAMP.match(show["meta"]["modifiedAt"])
        assert show["meta"]["createdAt"] <= show["meta"]["modifiedAt"]
        assert isinstance(show["conducted"], bool) and isinstance(show["live"], bool)
        assert show["conducted"] is bool(show["streams"])
        for text in (show["title"], show["description"]):
            assert text["*"] and all(isinstance(v, str) for v in text.values())
        for stream in show["streams"]:
            assert set(stream) <= STREAM_KEYS and set(stream) >= STREAM_KEYS - {"end"}
            assert UUID.match(stream["id"]) and stream["type"] == "live"
            assert STAMP.match(stream["start"])
            assert set(stream["metrics"]) == METRIC_KEYS
            assert all(type(v) is int and v >= 0 for v in stream["metrics"].values())
        carousel = show["features"]["carousel"]
        assert carousel["enabled"] is True
        for position, item in enumerate(carousel["items"], 1):
            assert set(item) == CAROUSEL_KEYS and item["position"] == position
            data = item["itemData"]
            assert item["itemId"] == data["id"] and item["type"] == "product"
            assert set(data) <= ITEM_DATA_KEYS
            assert {"id", "name", "price", "reference", "title"} <= set(data)
            price = data["price"]
            assert set(price) <= PRICE_KEYS and {"currencyCode", "price"} <= set(price)
            assert isinstance(price["price"], float) and len(price["currencyCode"]) == 3
            if "salePrice" in price:
                assert price["salePrice"] < price["price"]
            if "unitPrice" in price:
                unit_prices += 1
                assert set(price["unitPrice"]) == UNIT_PRICE_KEYS
            for override in data.get("storeOverrides", []):
                overrides += 1
                assert override["price"]["currencyCode"] != price["currencyCode"]
            for variant in data.get("variants", []):
                variants += 1
                assert variant["price"]["currencyCode"] == price["currencyCode"]
                assert variant["id"] != data["id"] and variant["variations"][0]["type"] == "size"
    # the reference's product has overrides in another currency, variants and a unit price
    assert overrides and variants and unit_prices


def test_channel_fields_are_the_references(world: SandboxServer) -> None:
    channels = Lisa(world).ok("/channels")["items"]
    assert [c["slug"] for c in channels] == ["fashion", "beauty", "home"]
    for channel in channels:
        assert set(channel) == CHANNEL_KEYS
        assert all(isinstance(s, str) for s in channel["highlightedShows"])
        assert channel["title"]["*"]


def test_multilingual_titles(shows: list[dict[str, Any]]) -> None:
    languages = {lang for s in shows for lang in s["title"]}
    assert languages == {"*", "de", "fr"}
    both = [s for s in shows if {"de", "fr"} <= set(s["title"])]
    assert both  # some shows carry more than one translation
    for show in shows:
        assert show["views"]["preShow"]["title"] == show["title"]


# the world a source's tests need ------------------------------------------------------


def test_world_has_every_case_a_source_must_handle(
    world: SandboxServer, shows: list[dict[str, Any]]
) -> None:
    lisa, svc = Lisa(world), service(world)
    marks = svc.landmarks()
    assert {k: len(v) for k, v in marks.items()} == {
        "late_night": 10,
        "early_start": 10,
        "no_channel": 17,
        "two_channels": 19,
        "two_streams": 46,
        "never_streamed": 8,
        "archived": 8,
        "multilingual": 97,
        "live": 1,
    }
    by_id = {s["id"]: s for s in shows}
    assert svc.visible_shows() == shows
    for sid in marks["late_night"]:
        show = by_id[sid]
        assert show["date"][11:16] >= "23:35"
        assert day_of(show["streams"][0]["start"]) == day_of(show["date"]) + timedelta(1)
        assert svc.channel_slugs(sid)
    for sid in marks["early_start"]:
        show = by_id[sid]
        assert show["date"][11:16] <= "00:10"
        assert day_of(show["streams"][0]["start"]) == day_of(show["date"]) - timedelta(1)
        assert svc.channel_slugs(sid) == []
    for sid in marks["never_streamed"]:
        assert by_id[sid]["streams"] == [] and ts(by_id[sid]["date"]) < FROZEN_AT
    assert all(len(by_id[s]["streams"]) == 2 for s in marks["two_streams"])
    assert all(len(svc.channel_slugs(s)) == 2 for s in marks["two_channels"])
    assert all(by_id[s]["status"] == "archived" for s in marks["archived"])
    # enough to scroll several pages at the maximum limit
    count = lisa.ok("/shows/count")["count"]
    assert count == 257 and -(-count // 100) == 3


def test_same_seed_same_landmarks(world: SandboxServer) -> None:
    config = SandboxConfig(seed=7, scale=1, days=30, frozen_at=FROZEN_AT, providers=["lisa"])
    with SandboxServer(config) as twin:
        assert service(twin).landmarks() == service(world).landmarks()


# filters ------------------------------------------------------------------------------


def test_date_filters_the_scheduled_date_not_the_stream_start(
    world: SandboxServer, shows: list[dict[str, Any]]
) -> None:
    lisa, marks = Lisa(world), service(world).landmarks()
    late = next(s for s in shows if s["id"] == marks["late_night"][0])
    early = next(s for s in shows if s["id"] == marks["early_start"][0])
    for show in (late, early):
        scheduled = day_of(show["date"])
        streamed = day_of(show["streams"][0]["start"])
        on_scheduled = lisa.all("/shows", limit=100, status=ALL, date=f"{scheduled},{scheduled}")
        on_streamed = lisa.all("/shows", limit=100, status=ALL, date=f"{streamed},{streamed}")
        assert show["id"] in {s["id"] for s in on_scheduled}
        assert show["id"] not in {s["id"] for s in on_streamed}


def test_a_widened_date_window_finds_every_session_of_a_day(
    world: SandboxServer, shows: list[dict[str, Any]]
) -> None:
    """What a source partitioned by session date does: ask for the day and its neighbours,
    keep the streams that started on the day (or the show's scheduled day if none did)."""
    lisa = Lisa(world)
    expected: dict[date, set[str]] = defaultdict(set)
    for show in shows:
        for day in session_days(show):
            expected[day].add(show["id"])
    for day in (date(2026, 11, 14), date(2026, 11, 15), date(2026, 11, 18)):
        exact = lisa.all("/shows", limit=100, status=ALL, date=f"{day},{day}")
        assert {s["id"] for s in exact} != expected[day]  # the naive query is wrong
        window = f"{day - timedelta(1)},{day + timedelta(1)}"
        wide = lisa.all("/shows", limit=100, status=ALL, date=window)
        found = {s["id"] for s in wide if day in session_days(s)}
        assert found == expected[day]


def test_date_bounds_are_inclusive(world: SandboxServer, shows: list[dict[str, Any]]) -> None:
    lisa = Lisa(world)
    show = shows[100]
    at = ts(show["date"])
    same = [s["id"] for s in shows if s["date"] == show["date"]]

    def ids(**params: str) -> set[str]:
        return {s["id"] for s in lisa.all("/shows", limit=100, status=ALL, **params)}

    assert ids(date=f"{show['date']},{show['date']}") == set(same)
    assert show["id"] not in ids(date=f"{show['date'][:-4]}001Z,")
    assert show["id"] not in ids(date=f",{datetime.fromtimestamp(at - 1, UTC).isoformat()}")
    # one bare date without a comma is the lower threshold
    assert ids(date=show["date"][:10]) == {s["id"] for s in shows if s["date"] >= show["date"][:10]}


def test_modified_since_is_strictly_after(
    world: SandboxServer, shows: list[dict[str, Any]]
) -> None:
    lisa = Lisa(world)
    stamp = shows[50]["meta"]["modifiedAt"]
    after = lisa.all("/shows", limit=100, status=ALL, modified_since=stamp)
    assert {s["id"] for s in after} == {s["id"] for s in shows if s["meta"]["modifiedAt"] > stamp}
    assert shows[50]["id"] not in {s["id"] for s in after}
    earlier = datetime.fromtimestamp(ts(stamp) - 1, UTC).isoformat()
    assert shows[50]["id"] in {
        s["id"] for s in lisa.all("/shows", limit=100, status=ALL, modified_since=earlier)
    }


def test_archived_shows_only_when_asked(world: SandboxServer, shows: list[dict[str, Any]]) -> None:
    lisa = Lisa(world)
    archived = [s for s in shows if s["status"] == "archived"]
    default = {s["id"] for s in lisa.all("/shows", limit=100)}
    assert archived and not default & {s["id"] for s in archived}
    one = archived[0]
    # not even a filter that matches it brings an archived show back unasked ...
    since = datetime.fromtimestamp(ts(one["meta"]["modifiedAt"]) - 1, UTC).isoformat()
    assert one["id"] not in {s["id"] for s in lisa.all("/shows", modified_since=since)}
    # ... but asking for it does, and it can still be fetched by id
    asked = lisa.all("/shows", status="archived", modified_since=since)
    assert one["id"] in {s["id"] for s in asked}
    assert lisa.ok(f"/shows/{one['id']}") == one


# scrolling ----------------------------------------------------------------------------


def test_last_page_cursor_can_be_null(sandbox: SandboxServer) -> None:
    lisa = Lisa(sandbox)
    total = lisa.ok("/shows/count")["count"]
    assert "cursor" not in lisa.ok("/shows", limit=100, cursor=_page_cursor(3))["scrolling"]
    sandbox.set_knobs("lisa", options={"last_page_cursor": "null"})
    pages = [lisa.ok("/shows", limit=100)]
    while pages[-1]["scrolling"]["cursor"] is not None:
        pages.append(lisa.ok("/shows", cursor=pages[-1]["scrolling"]["cursor"]))
    assert len(pages) == 3 and sum(len(p["items"]) for p in pages) == total
    assert pages[-1]["scrolling"] == {"cursor": None, "limit": 100, "numItemsTotal": total}


def test_sort_must_be_sent_again_with_every_page(world: SandboxServer) -> None:
    """Like filters, ``sort`` is not in the cursor: a second page without it is the second
    page of the default order (newest scheduled first)."""
    lisa = Lisa(world)
    ascending = [s["id"] for s in lisa.all("/shows", limit=100, sort="date:asc")]
    descending = [s["id"] for s in lisa.all("/shows", limit=100)]
    first = lisa.ok("/shows", limit=100, sort="date:asc")
    cursor = first["scrolling"]["cursor"]
    resent = lisa.ok("/shows", cursor=cursor, sort="date:asc")
    forgot = lisa.ok("/shows", cursor=cursor)
    assert [s["id"] for s in resent["items"]] == ascending[100:200]
    assert [s["id"] for s in forgot["items"]] == descending[100:200]


def _page_cursor(page: int) -> str:
    raw = f'{{"limit":100,"page":{page}}}'.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# editing a show -----------------------------------------------------------------------


def test_edit_show_is_picked_up_by_modified_since_alone(sandbox: SandboxServer) -> None:
    lisa, svc = Lisa(sandbox), service(sandbox)
    receiver = Receiver()
    try:
        subscribe(lisa, receiver.url + "/hook", {"authType": "none"}, ["Show:update"])
        before = lisa.all("/shows", limit=100, status=ALL)
        watermark = max(s["meta"]["modifiedAt"] for s in before)
        assert ts(watermark) < FROZEN_AT
        target = before[120]
        title = {"*": "Renamed live", "fr": "Renommé en direct"}
        edited = svc.edit_show(target["id"], title=title)
        assert edited["title"] == title and edited["meta"]["modifiedAt"] == iso(FROZEN_AT)
        changed = lisa.all("/shows", limit=100, status=ALL, modified_since=watermark)
        assert changed == [edited]
        assert lisa.ok("/shows/count", status=ALL, modified_since=watermark) == {"count": 1}
        assert lisa.ok(f"/shows/{target['id']}") == edited
        # everything else is as it was
        after = {s["id"]: s for s in lisa.all("/shows", limit=100, status=ALL)}
        assert [after[s["id"]] for s in before if s["id"] != target["id"]] == [
            s for s in before if s["id"] != target["id"]
        ]
        event = wait_for(receiver.events)[0]
        assert event["eventType"] == "Show:update" and event["detail"] == edited
        updated = event["change"]["updated"]
        assert updated["meta.modifiedAt"] == iso(FROZEN_AT)
        assert (updated["title.*"], updated["title.fr"]) == ("Renamed live", "Renommé en direct")
        # a touch a minute later: modified_since the first edit finds it again
        sandbox.advance_clock(60)
        touched = svc.edit_show(target["id"])
        assert touched["title"] == title and touched["meta"]["modifiedAt"] == iso(FROZEN_AT + 60)
        again = lisa.all("/shows", limit=100, status=ALL, modified_since=iso(FROZEN_AT))
        assert target["id"] in {s["id"] for s in again}
        # the touch is delivered too, among the world's own updates of that minute
        window = svc.hub.events_between(FROZEN_AT, FROZEN_AT + 60)
        updates = [e["id"] for _, e in window if e["eventType"] == "Show:update"]
        assert len(updates) >= 1
        wait_for(lambda: len(receiver.events()) > len(updates))
        time.sleep(0.1)
        assert [e["id"] for e in receiver.events()] == [event["id"], *updates]
    finally:
        receiver.close()


def test_edit_show_refuses_unknown_shows_and_bad_titles(sandbox: SandboxServer) -> None:
    svc = service(sandbox)
    with pytest.raises(KeyError):
        svc.edit_show("3203d9eb-e87b-49cc-9090-90d0db301a8e")
    some = svc.visible_shows()[0]["id"]
    with pytest.raises(ValueError):
        svc.edit_show(some, title={"fr": "sans défaut"})
