"""The incremental source: shows modified since the last successful run, and its mark."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from pipelines.lisa import lisa_modified_source
from pipelines.lisa.extract import _next_mark
from pipelines.lisa.schema import Show
from pipelines.report import RunReport
from sandbox import SandboxServer
from tests.pipelines.lisa.conftest import Warehouse, at, config, service

EARLY = "27950230-6a46-4671-ab56-a3d55d10d246"  # no channel, two streams (11-17 and 11-18)
LATEST = "2026-11-20T11:41:11.000Z"  # the world's latest modifiedAt: a stream going live
EDITED_AT = "2026-11-20T12:00:00.000Z"  # the frozen clock, when edit_show stamps the show
EVERYTHING = 3650  # days: a first run that reaches back before the whole test world
RESOURCES = ("shows_modified", "streams_modified", "show_products_modified")
TITLE = {"*": "Weekend deals, extended", "de": "Wochenend-Angebote, verlängert", "fr": "Prolongé"}


def _run(sandbox: SandboxServer, wh: Warehouse, **overrides: object) -> RunReport:
    report = RunReport("lisa")
    cfg = config(sandbox, modified_lookback_days=EVERYTHING, **overrides)
    wh.run(lisa_modified_source(cfg, report))
    return report


def _tables(wh: Warehouse) -> dict[str, set[tuple[object, ...]]]:
    return {
        t: set(wh.rows(f"select * exclude (title, description) from lisa.{t}"))
        if t == "shows"
        else set(wh.rows(f"select * exclude (title, brand) from lisa.{t}"))
        if t == "show_products"
        else set(wh.rows(f"select * from lisa.{t}"))
        for t in ("shows", "streams", "show_products")
    }


def test_an_edited_show_and_nothing_else(sandbox: SandboxServer, wh: Warehouse) -> None:
    first = _run(sandbox, wh)
    # the first run reaches back modified_lookback_days: the whole world, archived included
    assert first.rows == 265 and not first.errors
    assert len(wh.ids("shows", "id")) == 265 and len(wh.ids("streams", "stream_id")) == 265
    assert wh.marks() == dict.fromkeys(RESOURCES, LATEST)

    loaded = _tables(wh)
    edited = service(sandbox).edit_show(EARLY, title=TITLE)
    assert edited["meta"]["modifiedAt"] == EDITED_AT
    before = sandbox.stats()["lisa"]["requests"]
    second = _run(sandbox, wh)
    # /channels, three channel listings and the full listing: one page each
    assert second.rows == 1 and second.requests == 5 == sandbox.stats()["lisa"]["requests"] - before
    # only the edited show's row changed; its streams and products were merged unchanged
    now = _tables(wh)
    assert {r[0] for r in now["shows"] - loaded["shows"]} == {EARLY}
    assert len(loaded["shows"] - now["shows"]) == 1
    assert now["streams"] == loaded["streams"] and now["show_products"] == loaded["show_products"]
    assert wh.rows(
        "select title_default, title::varchar, account_id from lisa.shows where id = ?", [EARLY]
    ) == [
        (
            "Weekend deals, extended",
            '{"*":"Weekend deals, extended","de":"Wochenend-Angebote, verlängert","fr":"Prolongé"}',
            "sandbox-brand",
        )
    ]
    assert wh.marks() == dict.fromkeys(RESOURCES, EDITED_AT)

    third = _run(sandbox, wh)
    assert third.rows == 0 and wh.marks() == dict.fromkeys(RESOURCES, EDITED_AT)


def test_a_failed_run_does_not_move_the_mark(sandbox: SandboxServer, wh: Warehouse) -> None:
    _run(sandbox, wh)
    service(sandbox).edit_show(EARLY, title=TITLE)

    # the key refused: one line, nothing read, the mark where it was
    refused = _run(sandbox, wh, api_key="lisa_revoked_key_0003")
    assert [str(e) for e in refused.errors] == [
        "lisa: GET /channels: credentials refused "
        "(HTTP 401: You are not authorized to access the target resource.)"
    ]
    assert wh.marks() == dict.fromkeys(RESOURCES, LATEST)

    # the channels read, then the full listing fails for good (an outage): still no move
    sandbox.set_knobs("lisa", faults=[{"kind": "server_error", "nth": n} for n in range(5, 20)])
    broken = _run(sandbox, wh)
    assert [str(e) for e in broken.errors] == [
        "lisa: GET /shows: 5 requests in a row failed for good, an outage: stopped for this "
        "run, the next run fetches what is missing (last: HTTP 500: Internal server error., "
        "still after 3 attempts)"
    ]
    assert wh.marks() == dict.fromkeys(RESOURCES, LATEST)
    assert wh.rows("select title_default from lisa.shows where id = ?", [EARLY]) == [
        ("Weekend deals",)
    ]

    # the next good run still finds the edit
    sandbox.set_knobs("lisa", faults=[])
    good = _run(sandbox, wh)
    assert good.rows == 1 and not good.errors
    assert wh.rows("select title_default from lisa.shows where id = ?", [EARLY]) == [
        ("Weekend deals, extended",)
    ]
    assert wh.marks() == dict.fromkeys(RESOURCES, EDITED_AT)


def test_a_list_that_grows_while_scrolled_keeps_the_mark(
    sandbox: SandboxServer, wh: Warehouse
) -> None:
    """Shows created between two pages shift the list a cursor counts pages of, so one may
    have been skipped: the rows are loaded, the mark stays, a warning says why."""
    sandbox.set_knobs("lisa", latency_ms=300)

    def advance_clock_between_pages() -> None:
        # request 5 is the full listing's first page, 6 its second: move on a day meanwhile
        deadline = time.monotonic() + 20
        while sandbox.stats()["lisa"]["requests"] < 6 and time.monotonic() < deadline:
            time.sleep(0.005)
        sandbox.advance_clock(86_400)

    mover = threading.Thread(target=advance_clock_between_pages)
    mover.start()
    report = _run(sandbox, wh)
    mover.join()
    assert report.warnings == [
        "lisa: GET /shows: the list changed while it was scrolled (numItemsTotal moved); "
        "a show may have been skipped and is read again next run"
    ]
    assert not report.errors and report.rows > 200
    assert wh.marks() == {}


def test_the_mark_never_passes_lisas_clock_at_the_start() -> None:
    """An edit stamped while the run reads may carry an earlier modifiedAt than a show read
    after it: the mark stops a minute short of the server's clock (its Date header) when the
    run began, and never goes back."""
    since = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
    shows: list[Show] = [
        {"id": "a", "date": since, "meta": {"modifiedAt": at("2026-11-20T11:30:00.000Z")}},
        {"id": "b", "date": since, "meta": {"modifiedAt": at("2026-11-20T11:59:30.000Z")}},
        {"id": "c", "date": since},  # no meta: loaded, moves nothing
    ]
    server = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert _next_mark(since, shows, server) == datetime(2026, 11, 20, 11, 59, tzinfo=UTC)
    assert _next_mark(since, shows, server + timedelta(hours=1)) == at("2026-11-20T11:59:30Z")
    assert _next_mark(since, shows, None) == at("2026-11-20T11:59:30Z")
    assert _next_mark(since, [], server) == since
    assert _next_mark(since, shows, since - timedelta(hours=1)) == since
