"""The LiSA history source: scrolling, the midnight boundary, accounts, products, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipelines.lisa import _batches, lisa_source
from pipelines.lisa.client import check_credentials, lisa_client, scroll
from pipelines.lisa.schema import SHOW_PAGE
from pipelines.report import RunReport
from sandbox import SandboxServer
from tests.pipelines.lisa.conftest import (
    Warehouse,
    at,
    config,
    expected_window,
    pages_for,
    service,
)

ACCOUNT = "sandbox-brand"  # the sandbox's configured account_id
LATE = "3aff82e5-99b0-4311-87fe-6e82b1328033"  # fashion; scheduled 11-17 23:50, streams 11-18
EARLY = "27950230-6a46-4671-ab56-a3d55d10d246"  # no channel; 11-18 00:10, streams 11-17 23:58 & 11-18 01:00
TWO_CHANNELS = "7fcd8d9b-c116-49de-b6ea-eee341bf303b"  # fashion + home, two streams on 11-18
NOV = {d: datetime(2026, 11, d, tzinfo=UTC) for d in range(1, 31)}


def _load(sandbox: SandboxServer, wh: Warehouse, start: datetime, end: datetime) -> RunReport:
    report = RunReport("lisa")
    wh.run(lisa_source(config(sandbox), start, end, report))
    return report


def test_scrolls_every_page_with_every_filter(sandbox: SandboxServer, wh: Warehouse) -> None:
    """The whole world: the full listing takes three pages of 100 (265 shows), each channel
    one (93, 90 and 84 shows).

    The cursor carries no filters: a page asked for without them would be the default
    listing's (newest first, archived hidden) and the loaded set would differ.
    """
    start, end = datetime(2026, 10, 21, tzinfo=UTC), NOV[30]
    report = _load(sandbox, wh, start, end)
    shows, streams = expected_window(sandbox, start, end)
    assert wh.ids("shows", "id") == shows and len(shows) == 265
    assert wh.ids("streams", "stream_id") == streams and len(streams) == 265
    # archived shows were asked for and are there
    archived = set(service(sandbox).landmarks()["archived"])
    assert len(archived) == 8 and archived <= wh.ids("shows", "id")
    # requests: /channels, each channel's shows, then every show, all in pages of 100
    svc = service(sandbox)
    slugs = [svc.channel_slugs(s["id"]) for s in svc.visible_shows()]
    per_channel = {c: sum(c in found for found in slugs) for c in ("fashion", "beauty", "home")}
    assert per_channel == {"fashion": 93, "beauty": 90, "home": 84}
    expected = 1 + sum(pages_for(n) for n in per_channel.values()) + pages_for(265)
    assert expected == 7
    assert report.requests == report.pages == sandbox.stats()["lisa"]["requests"] == expected
    assert report.rows == 265
    assert not report.errors and not report.warnings and not report.incomplete


def test_a_stream_belongs_to_the_day_it_started(sandbox: SandboxServer, wh: Warehouse) -> None:
    """The UTC-midnight boundary, both ways, one day at a time.

    LATE was scheduled 2026-11-17 23:50 and streamed from 11-18 00:05: it is a show of
    11-18 only. EARLY was scheduled 2026-11-18 00:10 and streamed from 11-17 23:58:15 to
    00:48:03, then again from 01:00:33: one session on each day.
    """
    _load(sandbox, wh, NOV[17], NOV[18])
    shows_17, streams_17 = expected_window(sandbox, NOV[17], NOV[18])
    assert wh.ids("streams", "stream_id") == streams_17
    assert EARLY in shows_17 and LATE not in shows_17
    early = wh.rows(
        "select started_at, ended_at, duration_ms, viewers, emojis, messages "
        "from lisa.streams where show_id = ?",
        [EARLY],
    )
    assert early == [
        (
            datetime(2026, 11, 17, 23, 58, 15, tzinfo=UTC),
            datetime(2026, 11, 18, 0, 48, 3, tzinfo=UTC),
            2988000,
            289,
            296,
            41,
        )
    ]

    _load(sandbox, wh, NOV[18], NOV[19])
    shows_18, streams_18 = expected_window(sandbox, NOV[18], NOV[19])
    assert wh.ids("streams", "stream_id") == streams_17 | streams_18
    assert wh.ids("shows", "id") == shows_17 | shows_18
    assert {EARLY, LATE} <= shows_18
    by_day = dict(
        wh.rows(
            "select show_id, list(cast(timezone('UTC', started_at) as date) order by started_at) "
            "from lisa.streams where show_id in (?, ?) group by show_id",
            [EARLY, LATE],
        )
    )
    assert [str(d) for d in by_day[EARLY]] == ["2026-11-17", "2026-11-18"]
    assert [str(d) for d in by_day[LATE]] == ["2026-11-18", "2026-11-18"]
    # every late/early landmark lands on its streams' days, not its scheduled day
    landmarks = service(sandbox).landmarks()
    shows = {s["id"]: s for s in service(sandbox).visible_shows()}
    for show_id in landmarks["late_night"] + landmarks["early_start"]:
        show = shows[show_id]
        assert at(show["date"]).date() != at(show["streams"][0]["start"]).date()


def test_accounts_channels_texts_and_products(sandbox: SandboxServer, wh: Warehouse) -> None:
    _load(sandbox, wh, NOV[18], NOV[19])
    rows = {
        r[0]: r[1:]
        for r in wh.rows(
            "select id, account_id, channels::varchar, title_default, title::varchar, "
            "stream_count from lisa.shows"
        )
    }
    # in no channel: the configured account; in two: the first in GET /channels order
    assert rows[EARLY][:2] == (ACCOUNT, "[]")
    assert rows[TWO_CHANNELS][:2] == ("fashion", '["fashion","home"]')
    assert service(sandbox).channel_slugs(TWO_CHANNELS) == ["fashion", "home"]
    for show_id, (account, channels, *_) in rows.items():
        slugs = service(sandbox).channel_slugs(show_id)
        assert json.loads(channels) == slugs
        assert account == (slugs[0] if slugs else ACCOUNT)
    # every language is kept; the default text is the "*" one
    assert rows[EARLY][2:] == (
        "Weekend deals",
        '{"*":"Weekend deals","de":"Wochenend-Angebote"}',
        2,
    )
    assert wh.rows("select count(*) from lisa.streams where show_id = ?", [TWO_CHANNELS]) == [(2,)]
    assert wh.rows("select slug, position, title_default from lisa.channels order by position") == [
        ("fashion", 1, "Fashion"),
        ("beauty", 2, "Beauty"),
        ("home", 3, "Home & Living"),
    ]

    # carousel products: position, "*" title, the product's own price and currency
    shows = {s["id"]: s for s in service(sandbox).visible_shows()}
    expected = {
        (show_id, item["itemData"]["id"]): (
            item["position"],
            item["itemData"]["title"]["*"],
            item["itemData"]["price"]["price"],
            item["itemData"]["price"].get("salePrice"),
            item["itemData"]["price"]["currencyCode"],
        )
        for show_id in wh.ids("shows", "id")
        for item in shows[show_id]["features"]["carousel"]["items"]
    }
    loaded = {
        (r[0], r[1]): r[2:]
        for r in wh.rows(
            "select show_id, product_id, position, title_default, price, sale_price, currency "
            "from lisa.show_products"
        )
    }
    assert loaded == expected and len(loaded) == 40
    # products also sold in another store or in sizes, at other prices: their own price
    elsewhere = [
        (show_id, item["itemData"])
        for show_id in wh.ids("shows", "id")
        for item in shows[show_id]["features"]["carousel"]["items"]
        if {"storeOverrides", "variants"} & set(item["itemData"])
    ]
    assert len(elsewhere) == 23
    for show_id, data in elsewhere:
        assert loaded[show_id, data["id"]][2:] == (
            data["price"]["price"],
            data["price"].get("salePrice"),
            data["price"]["currencyCode"],
        )


def test_a_live_stream_has_no_end_yet(sandbox: SandboxServer, wh: Warehouse) -> None:
    [live] = service(sandbox).landmarks()["live"]
    _load(sandbox, wh, NOV[20], NOV[21])
    rows = wh.rows(
        "select ended_at is null, viewers > 0 from lisa.streams where show_id = ? "
        "order by started_at",
        [live],
    )
    assert rows == [(False, True), (True, True)]


def test_loading_again_changes_nothing(sandbox: SandboxServer, wh: Warehouse) -> None:
    tables = ("shows", "streams", "show_products", "channels")

    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        return {t: sorted(wh.rows(f"select * from lisa.{t}"), key=str) for t in tables}

    _load(sandbox, wh, NOV[17], NOV[19])
    before = snapshot()
    _load(sandbox, wh, NOV[17], NOV[19])
    assert snapshot() == before and len(before["streams"]) == 19


def test_a_null_last_cursor_rate_limits_and_server_errors(
    sandbox: SandboxServer, wh: Warehouse
) -> None:
    """The last page may say so with a null cursor (docs/providers/lisa.md allows absent or null);
    a 429 and a 500 on the way are retried."""
    sandbox.set_knobs(
        "lisa",
        options={"last_page_cursor": "null"},
        faults=[{"kind": "rate_limited", "nth": 2}, {"kind": "server_error", "nth": 4}],
    )
    report = _load(sandbox, wh, NOV[1], NOV[20])
    shows, streams = expected_window(sandbox, NOV[1], NOV[20])
    assert wh.ids("shows", "id") == shows and wh.ids("streams", "stream_id") == streams
    assert report.pages == 6 and report.requests == 8 and not report.errors
    assert sandbox.stats()["lisa"]["faults_fired"] == 2


def test_a_refused_key_fails_in_one_line_and_loads_nothing(
    sandbox: SandboxServer, wh: Warehouse
) -> None:
    report = RunReport("lisa")
    wh.run(lisa_source(config(sandbox, api_key="lisa_wrong_key_0002"), NOV[17], NOV[19], report))
    assert [str(e) for e in report.errors] == [
        "lisa: GET /channels: credentials refused "
        "(HTTP 401: You are not authorized to access the target resource.)"
    ]
    assert report.requests == 1 and report.incomplete == {ACCOUNT: {NOV[17].date(), NOV[18].date()}}
    assert wh.ids("shows", "id") == set()


def test_one_page_that_fails_for_good_is_asked_for_again(
    sandbox: SandboxServer, wh: Warehouse
) -> None:
    """Page 2 of the full listing outlasts its retries once, then comes back damaged (a show
    without its id): each time the same page is asked for again, and the window is exact."""
    sandbox.set_knobs(
        "lisa",
        faults=[
            *({"kind": "server_error", "nth": n} for n in (6, 7, 8)),
            {"kind": "missing_field", "nth": 9, "field": "id"},
        ],
    )
    report = RunReport("lisa")
    wh.run(lisa_source(config(sandbox), NOV[1], NOV[30], report))
    assert not report.failed, report.summary()
    assert report.requests == 10 and sandbox.stats()["lisa"]["faults_fired"] == 4
    shows, streams = expected_window(sandbox, NOV[1], NOV[30])
    assert wh.ids("shows", "id") == shows and wh.ids("streams", "stream_id") == streams


def test_a_listing_that_breaks_keeps_the_days_read_whole(
    sandbox: SandboxServer, wh: Warehouse
) -> None:
    """Shows come by scheduled date: when page 2 of the full listing fails for good (asked
    for again until five failures in a row make an outage), the days whose shows, and the
    next day's, were all on page 1 are whole; the rest are not.

    Window 11-01..11-29 lists shows scheduled 10-31..11-30: 190, and page 1's last is
    scheduled 2026-11-13 17:30, so 11-01..11-11 are whole (11-11's streams come from shows
    scheduled by 11-12 at the latest) and 11-12..11-29 are not.
    """
    # requests: /channels, three channel listings of one page, the full listing's pages 1,
    # then page 2 five times three attempts
    sandbox.set_knobs("lisa", faults=[{"kind": "server_error", "nth": n} for n in range(6, 21)])
    report = RunReport("lisa")
    wh.run(lisa_source(config(sandbox), NOV[1], NOV[30], report))
    assert [str(e) for e in report.errors] == [
        "lisa: GET /shows: 5 requests in a row failed for good, an outage: stopped for this "
        "run, the next run fetches what is missing (last: HTTP 500: Internal server error., "
        "still after 3 attempts)"
    ]
    assert report.requests == 20
    assert report.incomplete == {ACCOUNT: {NOV[d].date() for d in range(12, 30)}}
    # what page 1 held was loaded: the window's shows scheduled up to its last one
    page_1 = sorted(
        (
            s
            for s in service(sandbox).visible_shows()
            if at(s["date"]) >= datetime(2026, 10, 31, tzinfo=UTC)
        ),
        key=lambda s: s["date"],
    )[:100]
    assert page_1[-1]["date"] == "2026-11-13T17:30:00.000Z"
    window, _ = expected_window(sandbox, NOV[1], NOV[30])
    assert wh.ids("shows", "id") == {s["id"] for s in page_1} & window


def test_a_bad_request_is_read_and_reported_in_one_line(sandbox: SandboxServer) -> None:
    with lisa_client(config(sandbox)) as client:
        listing = scroll(client, "/shows", SHOW_PAGE, {"status": "deleted"})
    assert str(listing.error) == (
        "lisa: GET /shows: HTTP 400: Invalid enum value. Expected 'archived' | 'draft' | "
        "'ready', received 'deleted' (at status)"
    )
    assert listing.items == [] and listing.pages == 0


def test_check_is_one_cheap_call(sandbox: SandboxServer) -> None:
    assert check_credentials(config(sandbox)) == "ok (265 shows visible to the key)"
    assert sandbox.stats()["lisa"]["requests"] == 1
    with pytest.raises(Exception) as refused:
        check_credentials(config(sandbox, api_key="lisa_wrong_key_0002"))
    assert str(refused.value) == (
        "lisa: GET /shows/count: credentials refused "
        "(HTTP 401: You are not authorized to access the target resource.)"
    )


def test_harmless_drift_passes_and_a_broken_show_fails_naming_the_field(
    sandbox: SandboxServer, wh: Warehouse
) -> None:
    # a show's name of the wrong type is cosmetic: dropped, the rest loaded
    sandbox.set_knobs("lisa", faults=[{"kind": "wrong_type", "rate": 1.0, "field": "name"}])
    report = _load(sandbox, wh, NOV[17], NOV[19])
    assert not report.errors
    assert wh.ids("streams", "stream_id") == expected_window(sandbox, NOV[17], NOV[19])[1]
    # a show without its scheduled date cannot be placed: the page is asked for again, and
    # when every answer lacks it the listing fails in one line naming the field
    sandbox.set_knobs(
        "lisa", faults=[{"kind": "missing_field", "rate": 1.0, "field": "date", "path": "/shows"}]
    )
    report = _load(sandbox, wh, NOV[17], NOV[19])
    assert [str(e) for e in report.errors] == [
        "lisa: GET /shows: 5 requests in a row failed for good, an outage: stopped for this "
        "run, the next run fetches what is missing (last: malformed response: items.0.date: "
        "Field required)"
    ]


def test_a_stream_without_its_figures_waits_aside() -> None:
    """Records short of a metric go to ``streams_incomplete`` and never overwrite figures."""
    report = RunReport("lisa")
    rows = [
        {"stream_id": "s1", "show_id": "A", "started_at": NOV[18], "duration_ms": 1000,
         "viewers": 3, "emojis": 1, "messages": 0},
        {"stream_id": "s2", "show_id": "A", "started_at": NOV[18], "duration_ms": None,
         "viewers": None, "emojis": None, "messages": None},
    ]  # fmt: skip
    complete, aside = list(_batches("streams", rows, report))
    assert complete.column("stream_id").to_pylist() == ["s1"]
    assert aside.meta.table_name == "streams_incomplete"
    assert aside.data.column("stream_id").to_pylist() == ["s2"]
    assert report.warnings == [
        "lisa: 1 of 2 streams answered without a key figure (duration_ms 1, emojis 1, "
        "messages 1, viewers 1): loaded where new, never over a value loaded before"
    ]


def test_a_listing_keeps_what_it_is_told_not_the_documents(sandbox: SandboxServer) -> None:
    """A year at scale 25 is 62,000 shows of 11 KB: the window's listing keeps each show's
    rows and the channels' listings only ids, the same pages read."""
    params = {"date": "2026-10-19,2026-12-01", "status": "archived,draft,ready", "sort": "date:asc"}
    with lisa_client(config(sandbox)) as client:
        whole = scroll(client, "/shows", SHOW_PAGE, params)
        ids = scroll(client, "/shows", SHOW_PAGE, params, keep=lambda show: show["id"])
    assert len(whole.items) == 265 and whole.pages == ids.pages == 3
    assert ids.items == [show["id"] for show in whole.items]
