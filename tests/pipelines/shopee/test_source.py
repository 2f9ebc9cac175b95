"""The Shopee source against the sandbox, loaded into real DuckDB files: windows, paging,
timestamps, errors that reach one session, one account or the whole app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pipelines.figures import FigureCheck
from pipelines.report import RunReport
from pipelines.shopee import _batch
from pipelines.shopee.fetch import SessionResult, session_row
from pipelines.shopee.schema import DETAIL, KEY_FIGURES
from pipelines.shopee.settings import Account, ConfiguredSession
from sandbox import SandboxServer
from sandbox.providers.shopee import ShopeeService
from tests.pipelines.shopee.conftest import Warehouse, anchor, config, day, pages

KEYS = "select user_id, session_id from shopee.{} order by all"


def _listed(service: ShopeeService) -> list[tuple[int, int]]:
    return [(s["user_id"], s["session_id"]) for s in service.listed_sessions()]


def _in(service: ShopeeService, first: int, end: int) -> list[tuple[int, int]]:
    lo, hi = day(first).timestamp(), day(end).timestamp()
    return sorted(
        (u, s)
        for u, s in _listed(service)
        if s in service.sessions
        and service.sessions[s].user_id == u
        and lo <= anchor(service, s) < hi
    )


def test_a_window_loads_exactly_its_sessions_reading_each_detail_once(
    warehouse_file: Warehouse, service: ShopeeService
) -> None:
    report = warehouse_file.load(day(17), day(20))
    expected = _in(service, 17, 20)
    assert len(expected) == 47 and not report.errors and not report.warnings
    for table in ("sessions", "session_metrics"):
        assert warehouse_file.rows(KEYS.format(table)) == expected
    items = sum(len(service.sessions[s].items) for _, s in expected)
    assert warehouse_file.rows("select count(*) from shopee.item_metrics") == [(items,)]
    assert warehouse_file.rows("select count(*) from shopee.items") == [(items,)]
    # every configured session's detail once (no list endpoint), the rest only for the
    # window's sessions (metric, item metric pages, item list pages), and one refresh per
    # account: the single-run backfill reads each session once, not once per day
    item_pages = sum(2 * pages(len(service.sessions[s].items)) for _, s in expected)
    requests = len(_listed(service)) + len(expected) + item_pages + 8
    assert report.requests == requests == 8 + 376 + 47 + 102
    assert sandbox_requests(warehouse_file.sandbox) == requests
    assert set(warehouse_file.tables()) >= {"sessions", "session_metrics", "item_metrics", "items"}


def sandbox_requests(sandbox: SandboxServer) -> int:
    return int(sandbox.stats()["shopee"]["requests"])


def test_rows_hold_what_the_api_answered(warehouse_file: Warehouse, service: ShopeeService) -> None:
    warehouse_file.load(day(17), day(18))
    big = service.showcase.big
    s = service.sessions[big]
    assert s.start_ms is not None and s.end_ms is not None and s.start_ms % 1000 == 250
    # 13-digit milliseconds read as seconds; the session is dated by its start
    assert warehouse_file.rows(
        "select user_id, status, start_time, end_time, session_start, region, currency "
        "from shopee.sessions where session_id = ?",
        big,
    ) == [(s.user_id, 2, s.start_ms // 1000, s.end_ms // 1000, s.start_ms // 1000, "TW", "TWD")]
    metric = service.expected_metric(big)
    columns = ("gmv", "views", "peak_ccu", "likes", "comments", "shares", "orders", "atc")
    got = warehouse_file.rows(
        f"select {', '.join(columns)} from shopee.session_metrics where session_id = ?", big
    )
    assert got == [tuple(metric[c] for c in columns)]
    # 150 items: two pages of item metrics, every row as the API pages them
    expected = [
        (
            r["item"]["item_id"],
            r["item"]["name"],
            r["item"]["price_info"]["current_price"],
            r["item"]["price_info"]["currency"],
            r["metric"]["item_clicks"],
            r["metric"]["atc"],
            r["metric"]["sold_items"],
        )
        for r in service.expected_item_metrics(big)
    ]
    got = warehouse_file.rows(
        "select item_id, name, current_price, currency, item_clicks, atc, sold_items "
        "from shopee.item_metrics where session_id = ? order by item_id",
        big,
    )
    assert len(got) == 150 and got == sorted(expected)
    listed = warehouse_file.rows(
        "select item_no, item_id from shopee.items where session_id = ? order by item_no", big
    )
    assert listed == [(n + 1, item.item_id) for n, item in enumerate(s.items)]
    # never started: dated by its creation (2026-11-17 09:00 UTC), start and end NULL
    never = service.showcase.never_started
    assert warehouse_file.rows(
        "select status, start_time, end_time, session_start from shopee.sessions "
        "where session_id = ?",
        never,
    ) == [(0, None, None, int(day(17).timestamp()) + 9 * 3600)]
    # no column holds what must never be stored (the stream's push key, tokens, signatures)
    columns_of = warehouse_file.rows(
        "select column_name from information_schema.columns where table_schema = 'shopee'"
    )
    names = {c for (c,) in columns_of}
    assert not names & {"stream_url_list", "push_key", "push_url", "access_token", "sign"}


def test_partitions_split_at_utc_midnight_and_a_rerun_changes_nothing(
    warehouse_file: Warehouse, service: ShopeeService
) -> None:
    show = service.showcase
    before, after = show.before_midnight, show.after_midnight  # 23:52 -> 00:42; 00:03
    warehouse_file.load(day(18), day(19))
    assert warehouse_file.rows(KEYS.format("sessions")) == _in(service, 18, 19)
    held = {s for _, s in warehouse_file.rows(KEYS.format("sessions"))}
    assert before in held and after not in held
    snapshot = _dump(warehouse_file)

    second = warehouse_file.load(day(19), day(20))
    held = {s for _, s in warehouse_file.rows(KEYS.format("sessions"))}
    assert after in held
    assert warehouse_file.rows(
        "select session_id, session_start from shopee.sessions where session_id in (?, ?) "
        "order by session_start",
        before,
        after,
    ) == [(before, anchor(service, before)), (after, anchor(service, after))]
    assert anchor(service, before) < day(19).timestamp() <= anchor(service, after)

    # the day after reads the detail of only the sessions not seen starting outside it, and
    # refreshes nothing (the tokens of the first run are still good)
    now_ms = int(service.ctx.clock.now() * 1000)
    seen_outside = [
        s
        for _, s in _listed(service)
        if service.sessions[s].status(now_ms) >= 1
        and not day(19).timestamp() <= anchor(service, s) < day(20).timestamp()
    ]
    window = _in(service, 19, 20)
    calls = sum(1 + 2 * pages(len(service.sessions[s].items)) for _, s in window)
    assert second.requests == len(_listed(service)) - len(seen_outside) + calls
    assert len(_listed(service)) - len(seen_outside) < 50
    again = warehouse_file.load(day(18), day(19))
    assert not again.errors and _dump(warehouse_file, before=day(19)) == snapshot


def _dump(warehouse_file: Warehouse, before: Any = None) -> dict[str, list[tuple[Any, ...]]]:
    limit = int(before.timestamp()) if before else 2**62
    out = {}
    for table in ("sessions", "session_metrics", "item_metrics", "items"):
        out[table] = warehouse_file.rows(
            f"select * from shopee.{table} where session_start < ? order by all",
            limit,
        )
    return out


def test_sessions_answering_error_data_are_skipped_named_and_counted(
    warehouse_file: Warehouse,
    service: ShopeeService,
    sandbox: SandboxServer,
    env: Callable[[], None],
) -> None:
    sandbox.set_knobs("shopee", options={"list_error_sessions": True})
    env()
    report = warehouse_file.load(day(17), day(20))
    foreign, missing = service.showcase.foreign, service.showcase.missing
    assert report.warnings == [
        f"shopee: session {foreign['session_id']} of user {foreign['user_id']} skipped: "
        f'error_data "session_id {foreign["session_id"]} is not belong to you."',
        f"shopee: session {missing['session_id']} of user {missing['user_id']} skipped: "
        f'error_data "session_id {missing["session_id"]} is not exist."',
    ]
    assert not report.errors and not report.incomplete
    assert warehouse_file.rows(KEYS.format("sessions")) == _in(service, 17, 20)


def test_throttled_answers_on_http_200_are_retried(
    warehouse_file: Warehouse, sandbox: SandboxServer, service: ShopeeService
) -> None:
    sandbox.set_knobs(
        "shopee",
        options={"fault_status": 200},
        faults=[
            {"kind": "server_error", "nth": 2, "path": "get_session_metric"},
            {"kind": "rate_limited", "nth": 5, "path": "get_session_item_metric"},
        ],
    )
    report = warehouse_file.load(day(18), day(19))
    assert sandbox.stats()["shopee"]["faults_fired"] == 2
    assert not report.errors
    assert warehouse_file.rows(KEYS.format("session_metrics")) == _in(service, 18, 19)
    expected = (
        len(_listed(service))
        + 8
        + sum(1 + 2 * pages(len(service.sessions[s].items)) for _, s in _in(service, 18, 19))
    )
    assert report.requests == expected + 2  # the two refused attempts, sent again


def test_daily_call_limit_stops_the_accounts_with_one_line(
    warehouse_file: Warehouse, sandbox: SandboxServer
) -> None:
    sandbox.set_knobs("shopee", options={"daily_call_limit": 30})
    report = warehouse_file.load(day(18), day(19), config(concurrency=1))
    assert {str(e) for e in report.errors} == {
        "shopee: GET /api/v2/livestream/get_session_detail: daily call limit reached "
        '(error_limit "Exceed the daily call limit of this api."): the account stops here '
        "until the limit resets at 00:00 UTC+8"
    }
    # each account asks once more, is refused, and spends nothing after that
    assert sandbox.stats()["shopee"]["calls_today"] == 30
    assert report.requests == 30 + 8 + 8  # 30 answered, 8 refreshes, one refusal per account
    assert set(report.incomplete) == {str(a.user_id) for a in config().account_list()}


def test_a_wrong_partner_key_fails_with_one_line_and_spends_nothing_more(
    warehouse_file: Warehouse, sandbox: SandboxServer
) -> None:
    sandbox.set_knobs("shopee", options={"partner_key": "another-apps-partner-key"})
    report = warehouse_file.load(day(18), day(19))
    assert [str(e) for e in report.errors] == [
        'shopee: POST /api/v2/auth/access_token/get: signature refused (error_sign "Wrong '
        'sign."): check sources.shopee.partner_id and partner_key'
    ]
    assert report.requests == sandbox_requests(sandbox) == 1
    assert report.incomplete == {str(a.user_id): {day(18).date()} for a in config().account_list()}
    assert "sessions" not in warehouse_file.tables()


def test_a_clock_five_minutes_off_fails_with_one_line(
    warehouse_file: Warehouse, sandbox: SandboxServer
) -> None:
    late = lambda: sandbox.runtime.clock.now() + 301  # noqa: E731
    report = warehouse_file.load(day(18), day(19), clock=late)
    assert [str(e) for e in report.errors] == [
        'shopee: POST /api/v2/auth/access_token/get: timestamp refused (error_param "Invalid '
        "timestamp.\"): this machine's clock is more than 5 minutes off Shopee's; synchronise "
        "it (or set sources.shopee.clock_offset_s)"
    ]
    assert report.requests == 1


def test_seconds_and_milliseconds_read_alike() -> None:
    account = Account(7, "rt", "TH")
    base: Any = {"session_id": 9, "status": 2, "title": "t"}
    seconds = {**base, "create_time": 1_795_000_000, "start_time": 1_795_003_600, "end_time": 0}
    millis = {
        **base,
        "create_time": 1_795_000_000_123,
        "start_time": "1795003600999",
        "end_time": 0,
    }
    for raw in (seconds, millis):
        detail = DETAIL.validate_python({"error": "", "response": raw})["response"]
        assert detail is not None
        row = session_row(account, 9, detail)
        assert (row["create_time"], row["start_time"], row["end_time"]) == (
            1_795_000_000,
            1_795_003_600,
            None,
        )
        assert row["session_start"] == 1_795_003_600 and row["currency"] == "THB"


def test_an_item_taken_out_of_the_bag_leaves_the_tables(
    warehouse_file: Warehouse, service: ShopeeService
) -> None:
    big = service.showcase.big
    warehouse_file.load(day(17), day(18))
    count = "select count(*) from shopee.{} where session_id = ?"
    assert [warehouse_file.rows(count.format(t), big) for t in ("item_metrics", "items")] == [
        [(150,)],
        [(150,)],
    ]
    session = service.sessions[big]
    with service.lock:
        session.items = session.items[:120]
    warehouse_file.load(day(17), day(18))
    assert [warehouse_file.rows(count.format(t), big) for t in ("item_metrics", "items")] == [
        [(120,)],
        [(120,)],
    ]


def test_a_metric_without_a_key_figure_is_kept_aside() -> None:
    configured = ConfiguredSession(7, 9)
    session = {"user_id": 7, "session_id": 9, "session_start": 1_795_003_600}
    whole = {
        **session,
        "gmv": 10.0,
        "views": 5,
        "peak_ccu": 2,
        "likes": 1,
        "comments": 0,
        "shares": 0,
        "orders": 1,
    }
    partial = {**whole, "session_id": 10, "gmv": None}
    results = [
        SessionResult(configured, session=session, in_window=True, metric=whole),
        SessionResult(
            ConfiguredSession(7, 10),
            session={**session, "session_id": 10},
            in_window=True,
            metric=partial,
        ),
    ]
    figures = FigureCheck(KEY_FIGURES)
    report = RunReport("shopee")
    batch = _batch(results, figures, report, [date(2026, 11, 18)])
    assert batch.metrics == [whole] and batch.metrics_incomplete == [partial]
    assert figures.line("shopee", "session metrics") == (
        "shopee: 1 of 2 session metrics answered without a key figure (gmv 1): loaded where "
        "new, never over a value loaded before"
    )
