"""The Firework source against the sandbox, loaded into real DuckDB files."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.marts.inputs import staged_window
from models.staging.firework import STATUS
from pipelines.firework import firework_snapshot, firework_source
from pipelines.report import RunReport
from sandbox import SandboxServer
from tests.conftest import FROZEN_AT
from tests.pipelines.firework.support import (
    TABLES,
    config,
    rows,
    run,
    scheduled_in,
    service,
    tables,
    window_ids,
)

START = datetime(2026, 11, 15, tzinfo=UTC)
END = datetime(2026, 11, 17, tzinfo=UTC)
DAY = 86_400
MISSING_LINE = "firework: 1 configured livestream not found (404 Livestream not found), skipped: {}"


def test_a_window_loads_its_livestreams_with_every_product_and_again_changes_nothing(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    svc = service(sandbox)
    now = svc.ctx.clock.now()
    report = RunReport("firework")
    run(tmp_path, firework_source(config(sandbox), START, END, report, clock=svc.ctx.clock.now))
    expected = scheduled_in(svc, START, END)
    assert len(expected) == 15
    loaded = rows(
        tmp_path,
        """select livestream_id, account_id, status, scheduled_at, session_start, event_name,
                  event_description, product_count
           from firework.livestreams order by session_start, livestream_id""",
    )
    assert loaded == [
        (
            ls.id,
            "ylqN7Z",
            svc.status(ls, now),
            datetime.fromtimestamp(ls.slot_at, UTC),
            datetime.fromtimestamp(ls.slot_at, UTC),
            ls.event_name,
            ls.event_description,
            len(ls.products),
        )
        for ls in sorted(expected, key=lambda ls: (ls.slot_at, ls.id))
    ]
    products = [(ls.id, p) for ls in expected for p in ls.products]
    assert sorted(rows(tmp_path, "select * from firework.products")) == sorted(
        (
            lid,
            p["id"],
            position,
            p["product_name"],
            p["product_description"],
            p["product_currency"],
            len(p["product_units"]),
            len(p["product_images"]),
        )
        for ls in expected
        for position, p in enumerate(ls.products)
        for lid in [ls.id]
    )
    assert sorted(rows(tmp_path, "select * from firework.product_units")) == sorted(
        (
            lid,
            p["id"],
            u["id"],
            i,
            u["unit_name"],
            u["unit_price"],
            u["unit_price_string"],
            u["unit_ext_id"],
        )
        for lid, p in products
        for i, u in enumerate(p["product_units"])
    )
    assert sorted(rows(tmp_path, "select * from firework.product_images")) == sorted(
        (lid, p["id"], im["id"], im["image_src"], im["image_position"])
        for lid, p in products
        for im in p["product_images"]
    )
    # every configured id was read once (there is no list to narrow it), the deleted one named
    assert sandbox.stats()["firework"]["details"] == 283
    assert (report.rows, report.pages, report.requests) == (15, 283, 1 + 284)
    assert report.errors == [] and report.incomplete == {}
    assert report.warnings == [MISSING_LINE.format(svc.missing_livestream_id)]
    assert not any(t.endswith("_incomplete") for t in tables(tmp_path))

    # loading the window again changes nothing
    before = {t: sorted(rows(tmp_path, f"select * from firework.{t}")) for t in TABLES}
    run(tmp_path, firework_source(config(sandbox), START, END, clock=svc.ctx.clock.now))
    assert {t: sorted(rows(tmp_path, f"select * from firework.{t}")) for t in TABLES} == before


def test_a_product_removed_from_a_livestream_leaves_the_tables(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Rows of a livestream are replaced as a whole, so a dropped product does not linger."""
    svc = service(sandbox)
    short = config(sandbox, livestream_ids=window_ids(svc, START, END))
    run(tmp_path, firework_source(short, START, END, clock=svc.ctx.clock.now))
    ls = next(ls for ls in scheduled_in(svc, START, END) if len(ls.products) >= 3)
    kept = ls.products[:2]
    object.__setattr__(ls, "products", kept)
    run(tmp_path, firework_source(short, START, END, clock=svc.ctx.clock.now))
    assert rows(
        tmp_path,
        "select product_id from firework.products where livestream_id = ? order by position",
        [ls.id],
    ) == [(p["id"],) for p in kept]
    assert rows(
        tmp_path,
        "select count(*) from firework.product_units where livestream_id = ?",
        [ls.id],
    ) == [(sum(len(p["product_units"]) for p in kept),)]


def test_a_single_run_backfill_reads_each_livestream_once(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    svc = service(sandbox)
    start, end = datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 12, 5, tzinfo=UTC)
    report = RunReport("firework")
    run(tmp_path, firework_source(config(sandbox), start, end, report, clock=svc.ctx.clock.now))
    assert rows(tmp_path, "select count(*) from firework.livestreams") == [(283,)]
    assert sandbox.stats()["firework"]["details"] == 283
    assert sandbox.stats()["firework"]["tokens_issued"] == 1
    assert report.requests == 285


def test_go_live_now_livestreams_stay_on_the_day_first_seen(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """No schedule, no other time in the API: placed at the first sighting, for good."""
    svc = service(sandbox)
    unscheduled = sorted(ls.id for ls in svc.livestreams() if ls.scheduled_at is None)
    assert len(unscheduled) == 7
    short = config(sandbox, livestream_ids=unscheduled)
    today = datetime.fromtimestamp(FROZEN_AT, UTC)
    # a snapshot sees them first; a later history run of that day places them there
    run(tmp_path, firework_snapshot(short, clock=svc.ctx.clock.now))
    sandbox.advance_clock(3 * DAY)
    later = today + timedelta(days=3)
    window = (datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC))
    run(tmp_path, firework_source(short, *window, clock=svc.ctx.clock.now))
    placed = rows(
        tmp_path,
        """select livestream_id, scheduled_at, session_start from firework.livestreams
           where scheduled_at is null order by livestream_id""",
    )
    assert placed == [(lid, None, today) for lid in unscheduled]
    # and every later run keeps them there
    sandbox.advance_clock(DAY)
    run(tmp_path, firework_source(short, *window, clock=svc.ctx.clock.now))
    assert rows(
        tmp_path,
        "select livestream_id, session_start from firework.livestreams where scheduled_at is null "
        "order by livestream_id",
    ) == [(lid, today) for lid in unscheduled]
    assert later > today


def test_status_snapshots_append_what_each_moment_showed(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    svc = service(sandbox)
    first = svc.moment_with_every_status()
    sandbox.freeze_clock(first)
    run(tmp_path, firework_snapshot(config(sandbox), clock=svc.ctx.clock.now))
    sandbox.advance_clock(3600)
    report = RunReport("firework")
    run(tmp_path, firework_snapshot(config(sandbox), report, clock=svc.ctx.clock.now))
    taken = rows(
        tmp_path,
        """select epoch(observed_at), livestream_id, status from firework.livestream_status
           order by observed_at, livestream_id""",
    )
    configured = [lid for lid in config(sandbox).ids() if svc.livestream(lid, first)]
    at_first = [
        (first, lid, svc.status(ls, first))
        for lid in configured
        for ls in [svc.livestream(lid, first)]
        if ls is not None
    ]
    # a livestream seen completed or expired cannot change: the later snapshot skips it
    ended = {lid for _, lid, status in at_first if status in ("completed", "expired")}
    later = first + 3600
    at_later = [
        (later, lid, svc.status(ls, later))
        for lid in configured
        for ls in [svc.livestream(lid, later)]
        if ls is not None and lid not in ended
    ]
    expected = sorted(at_first + at_later)
    assert sorted((float(a), lid, s) for a, lid, s in taken) == expected
    assert len(at_first) == 283 and len(at_later) == 283 - len(ended) > 0 and ended
    moved = {lid for at, lid, s in at_later if (first, lid, s) not in at_first}
    assert len(moved) > 0  # statuses changed within the hour, and both are kept
    assert report.rows == len(at_later) and report.warnings == [
        MISSING_LINE.format(svc.missing_livestream_id)
    ]


def test_configured_ids_deleted_later_are_named_and_the_rest_load(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    svc = service(sandbox)
    gone = [ls.id for ls in scheduled_in(svc, START, END)][:2]
    ids = window_ids(svc, START, END)
    sandbox.set_knobs("firework", options={"deleted_ids": gone})
    report = RunReport("firework")
    source = firework_source(
        config(sandbox, livestream_ids=ids), START, END, report, clock=svc.ctx.clock.now
    )
    run(tmp_path, source)
    named = sorted([*gone, svc.missing_livestream_id], key=ids.index)
    assert report.warnings == [
        "firework: 3 configured livestreams not found (404 Livestream not found), skipped: "
        + ", ".join(named)
    ]
    assert rows(tmp_path, "select count(*) from firework.livestreams") == [(13,)]
    assert report.errors == [] and report.incomplete == {}


def test_server_errors_and_rate_limits_are_retried(sandbox: SandboxServer, tmp_path: Path) -> None:
    svc = service(sandbox)
    sandbox.set_knobs(
        "firework",
        faults=[
            {"kind": "server_error", "nth": 3, "status": 503},
            {"kind": "rate_limited", "nth": 8},
            {"kind": "truncated_json", "nth": 12, "path": "/detail"},
        ],
    )
    report = RunReport("firework")
    run(
        tmp_path,
        firework_source(
            config(sandbox, livestream_ids=window_ids(svc, START, END)),
            START,
            END,
            report,
            clock=svc.ctx.clock.now,
        ),
    )
    assert rows(tmp_path, "select count(*) from firework.livestreams") == [(15,)]
    assert report.errors == [] and sandbox.stats()["firework"]["faults_fired"] == 3


def test_an_api_down_keeps_what_was_read_and_marks_the_window_partial(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    svc = service(sandbox)
    sandbox.set_knobs("firework", faults=[{"kind": "server_error", "rate": 1.0, "path": "/detail"}])
    report = RunReport("firework")
    source = firework_source(
        config(sandbox, concurrency=2), START, END, report, clock=svc.ctx.clock.now
    )
    run(tmp_path, source)
    error, outage = report.errors
    assert str(error).startswith("firework: GET /api/v1/live_streams/")
    assert str(error).endswith("/detail: HTTP 500: Internal server error, still after 3 attempts")
    assert str(outage).startswith("firework: GET /api/v1/live_streams/")
    assert str(outage).endswith(
        "/detail: 5 requests in a row failed for good, an outage: stopped for this run, the "
        "next run fetches what is missing (last: HTTP 500: Internal server error, still after "
        "3 attempts)"
    )
    assert report.incomplete == {"ylqN7Z": {START.date(), (START + timedelta(days=1)).date()}}
    # five livestreams in a row are evidence of an outage: the others spent nothing more
    # (a token, five livestreams' three attempts, and the one in flight beside the fifth)
    assert sandbox.stats()["firework"]["requests"] <= 1 + (5 + 1) * 3


def test_a_product_without_its_currency_never_replaces_a_complete_answer(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    svc = service(sandbox)
    short = config(sandbox, livestream_ids=window_ids(svc, START, END))
    ls = next(ls for ls in scheduled_in(svc, START, END) if ls.products)
    run(tmp_path, firework_source(short, START, END, clock=svc.ctx.clock.now))
    before = rows(tmp_path, "select * from firework.products where livestream_id = ?", [ls.id])
    sandbox.set_knobs(
        "firework",
        faults=[
            {
                "kind": "missing_field",
                "rate": 1.0,
                "field": "product_currency",
                "path": f"/{ls.id}/detail",
            }
        ],
    )
    report = RunReport("firework")
    run(tmp_path, firework_source(short, START, END, report, clock=svc.ctx.clock.now))
    # the window's 15 livestreams list 134 products; one came without its currency
    assert report.warnings == [
        MISSING_LINE.format(svc.missing_livestream_id),
        "firework: 1 of 134 products answered without a key figure (product_currency 1): "
        "loaded where new, never over a value loaded before",
    ]
    assert (
        rows(tmp_path, "select * from firework.products where livestream_id = ?", [ls.id]) == before
    )
    aside = rows(
        tmp_path,
        "select product_id, product_currency from firework.products_incomplete "
        "where livestream_id = ? order by position",
        [ls.id],
    )
    assert aside[0] == (ls.products[0]["id"], None) and len(aside) == len(ls.products)
    assert rows(tmp_path, "select count(*) from firework.livestreams_incomplete") == [(1,)]


@pytest.mark.parametrize("drift", ["unknown_field", "wrong_type"])
def test_harmless_drift_is_accepted(sandbox: SandboxServer, tmp_path: Path, drift: str) -> None:
    svc = service(sandbox)
    ls = next(ls for ls in scheduled_in(svc, START, END) if ls.products)
    # a description is cosmetic: the wrong type is dropped; undocumented fields are ignored
    fault = {"kind": drift, "rate": 1.0, "path": f"/{ls.id}/", "field": "product_description"}
    sandbox.set_knobs("firework", faults=[fault])
    report = RunReport("firework")
    run(
        tmp_path,
        firework_source(
            config(sandbox, livestream_ids=window_ids(svc, START, END)),
            START,
            END,
            report,
            clock=svc.ctx.clock.now,
        ),
    )
    assert report.errors == [] and sandbox.stats()["firework"]["faults_fired"] == 1
    assert rows(tmp_path, "select count(*) from firework.livestreams") == [(15,)]
    description = None if drift == "wrong_type" else ls.products[0]["product_description"]
    assert rows(
        tmp_path,
        "select product_description from firework.products where livestream_id = ? and position = 0",
        [ls.id],
    ) == [(description,)]


def test_every_status_reaches_the_marts_input_mapped(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """At the moment all six statuses coexist, the marts' own reader stages each of them."""
    svc = service(sandbox)
    at = svc.moment_with_every_status()
    sandbox.freeze_clock(at)
    start, end = datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 12, 5, tzinfo=UTC)
    cfg = config(sandbox)
    run(tmp_path, firework_source(cfg, start, end, clock=svc.ctx.clock.now))
    answered = [ls for lid in cfg.ids() if (ls := svc.livestream(lid, at))]
    by_status = Counter(svc.status(ls, at) for ls in answered)
    assert set(by_status) == set(STATUS) and by_status["paused"] == 1
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        [staged] = staged_window(con, start, end)
        assert staged.sessions is not None
        mapped = staged.sessions.collect()  # read from the warehouse while it is open
    assert Counter(mapped["status"]) == {
        "scheduled": by_status["idle"],
        "live": by_status["active"] + by_status["paused"],
        "ended": by_status["replay"] + by_status["completed"],
        "cancelled": by_status["expired"],
    }
    assert dict(mapped.select("session_id", "status").iter_rows()) == {
        ls.id: STATUS[svc.status(ls, at)] for ls in answered
    }


def test_the_snapshot_after_a_history_run_asks_only_for_what_may_still_change(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """`lsw run` takes the status snapshot right after the history step: a livestream the
    history just read completed or expired is not asked for again (a year at scale 25 read
    78,000 details twice)."""
    svc = service(sandbox)
    now = svc.ctx.clock.now()
    start, end = datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 12, 5, tzinfo=UTC)
    run(tmp_path, firework_source(config(sandbox), start, end, clock=svc.ctx.clock.now))
    history = sandbox.stats()["firework"]["details"]
    report = RunReport("firework")
    run(tmp_path, firework_snapshot(config(sandbox), report, clock=svc.ctx.clock.now))
    existing = {
        lid: svc.status(ls, now)
        for lid in config(sandbox).ids()
        for ls in [svc.livestream(lid, now)]
        if ls is not None
    }
    final = {lid for lid, status in existing.items() if status in ("completed", "expired")}
    assert history == 283 and len(existing) == 283 and 0 < len(final) < 283
    # the snapshot asked for the others only
    assert sandbox.stats()["firework"]["details"] - history == 283 - len(final)
    taken = rows(tmp_path, "select livestream_id, status from firework.livestream_status")
    assert dict(taken) == existing and len(taken) == 283 and report.rows == 283
    # and the next snapshot skips them as ended, as before
    run(tmp_path, firework_snapshot(config(sandbox), clock=svc.ctx.clock.now))
    assert sandbox.stats()["firework"]["details"] - history == 2 * (283 - len(final))
