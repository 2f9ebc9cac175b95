"""Followers against the Trovo sandbox: the reference's cursor, newest first, complete windows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pipelines.report import RunReport
from pipelines.trovo import trovo_source
from sandbox import SandboxServer
from tests.conftest import FROZEN_AT
from tests.pipelines.trovo.conftest import Loaded, channel_ids, trovo_config, world

NOON = datetime.fromtimestamp(FROZEN_AT, UTC)
EVER = datetime(2019, 1, 1, tzinfo=UTC)


def _listed(sandbox: SandboxServer, channel: str) -> list[tuple[str, datetime]]:
    """The channel's followers at the sandbox's now, newest first, as the world holds them."""
    w = world(sandbox)
    rows, total = w.follower_rows(w.by_id[channel], sandbox.runtime.clock.now())
    return [
        (r["user_id"], datetime.fromisoformat(r["followed_at"]).replace(tzinfo=UTC))
        for r in reversed(rows[:total])
    ]


def _expected(
    sandbox: SandboxServer, channels: list[str], start: datetime, end: datetime
) -> tuple[set[tuple[str, str]], int]:
    """Follows in [start, end), and the pages a newest-first walk needs to see them all:
    up to and including the page holding the first follow older than ``start``."""
    rows: set[tuple[str, str]] = set()
    pages = 0
    for channel in channels:
        listed = _listed(sandbox, channel)
        rows |= {(channel, user) for user, at in listed if start <= at < end}
        older = next((i for i, (_, at) in enumerate(listed) if at < start), None)
        pages += older // 100 + 1 if older is not None else -(-len(listed) // 100)
    return rows, pages


def _loaded(loaded: Loaded) -> set[tuple[str, str]]:
    found = loaded.rows("select channel_id, user_id from trovo.followers")
    assert len(found) == len(set(found)), "a follower loaded twice"
    return set(found)


def test_a_whole_list_is_paged_by_the_returned_cursor(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    tango = channel_ids(sandbox)[2]  # 4399 followers: 44 pages of 100, the last of 99
    report = RunReport("trovo")
    config = trovo_config(channel_ids=[tango])
    loaded = load(trovo_source(config, EVER, NOON + timedelta(days=1), report))
    assert _loaded(loaded) == {(tango, user) for user, _ in _listed(sandbox, tango)}
    assert len(_loaded(loaded)) == 4399
    # the 44th page brings the count to `total` ("4399", a string): no 45th request
    assert report.pages == report.requests == 44 == sandbox.stats()["trovo"]["requests"]
    assert not report.errors and not report.warnings
    times = loaded.rows("select min(followed_at), max(followed_at) from trovo.followers")[0]
    assert times[1] <= NOON and times[0] >= EVER


def test_a_daily_run_reads_only_what_is_new(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    ids = channel_ids(sandbox)
    start = NOON - timedelta(days=1, hours=12)  # 2026-11-19
    end = start + timedelta(days=1)
    report = RunReport("trovo")
    loaded = load(trovo_source(trovo_config(), start, end, report))
    expected, pages = _expected(sandbox, ids, start, end)
    assert _loaded(loaded) == expected and len(expected) == 23
    # one page per channel, where reading the lists whole would take 326
    assert pages == report.pages == report.requests == 4
    assert sum(-(-len(_listed(sandbox, c)) // 100) for c in ids) == 326
    # a day later, the next daily run picks up the next day's follows, again one page each
    sandbox.advance_clock(86_400)
    report = RunReport("trovo")
    loaded = load(trovo_source(trovo_config(), end, end + timedelta(days=1), report))
    expected_next, _ = _expected(sandbox, ids, end, end + timedelta(days=1))
    assert report.requests == 4 and len(expected_next) == 17
    assert _loaded(loaded) == expected | expected_next


def test_a_window_spanning_pages_is_complete(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    """Newest first, stopping at the first page older than the window, misses nothing:
    what is loaded is exactly the follows inside the window, as the whole list has them."""
    ids = channel_ids(sandbox)
    start, end = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC)
    report = RunReport("trovo")
    loaded = load(trovo_source(trovo_config(), start, end, report))
    expected, pages = _expected(sandbox, ids, start, end)
    assert _loaded(loaded) == expected and len(expected) == 1401
    assert report.pages == report.requests == pages < 30


def test_a_channel_that_does_not_exist_is_skipped_and_named(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    ids = channel_ids(sandbox)
    day = NOON - timedelta(hours=12)
    report = RunReport("trovo")
    config = trovo_config(channel_ids=[ids[0], "999999999", ids[1]])
    loaded = load(trovo_source(config, day, day + timedelta(days=1), report))
    expected, _ = _expected(sandbox, [ids[0], ids[1]], day, day + timedelta(days=1))
    assert _loaded(loaded) == expected
    assert report.warnings == [
        "trovo: channel 999999999 skipped: no such user or channel (10505: Invalid user.)"
    ]
    assert not report.errors and not report.incomplete


def test_a_refused_client_id_is_one_line_and_spends_nothing_more(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    day = NOON - timedelta(days=2)
    report = RunReport("trovo")
    config = trovo_config(client_id="not-our-client-id", concurrency=1)
    load(trovo_source(config, day, day + timedelta(days=2), report))
    cid = channel_ids(sandbox)[0]
    assert [str(e) for e in report.errors] == [
        f"trovo: POST /channels/{cid}/followers: Client-ID refused "
        "(check sources.trovo.client_id) (11701: Invalid header.)"
    ]
    assert report.requests == 1 == sandbox.stats()["trovo"]["requests"]
    assert sorted(report.incomplete) == channel_ids(sandbox)  # no day of theirs is whole


def test_an_error_mid_list_keeps_the_days_already_whole(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    """The third page of a long window breaks, and again when the channel is read once more
    after the others: the days newer than the oldest follow already read are whole and
    loaded; the older ones are marked incomplete."""
    tango = channel_ids(sandbox)[2]
    broken = {"kind": "missing_field", "field": "user_id", "path": "/followers"}
    sandbox.set_knobs(
        "trovo",
        rate_limit=1200,
        rate_window_s=60,
        faults=[{**broken, "nth": 3}, {**broken, "nth": 6}],
    )
    start, end = datetime(2026, 1, 1, tzinfo=UTC), NOON
    report = RunReport("trovo")
    loaded = load(trovo_source(trovo_config(channel_ids=[tango]), start, end, report))
    assert [str(e) for e in report.errors] == [
        f"trovo: POST /channels/{tango}/followers: "
        "malformed response: follower.0.user_id: Field required"
    ]
    listed = [f for f in _listed(sandbox, tango) if f[1] < end]
    oldest_read = listed[199][1]  # two pages of 100 were read
    assert _loaded(loaded) == {(tango, user) for user, _ in listed[:200]}
    incomplete = report.incomplete[tango]
    assert max(incomplete) == oldest_read.date() and min(incomplete) == start.date()


def test_numbers_as_numbers_and_cosmetic_drift_are_accepted(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    sandbox.set_knobs(
        "trovo",
        rate_limit=1200,
        rate_window_s=60,
        faults=[
            {"kind": "unknown_field", "rate": 1.0},
            {"kind": "wrong_type", "rate": 1.0, "field": "nickname"},  # a list, not a string
        ],
    )
    day = NOON - timedelta(hours=12)
    report = RunReport("trovo")
    loaded = load(trovo_source(trovo_config(), day, day + timedelta(days=1), report))
    expected, _ = _expected(sandbox, channel_ids(sandbox), day, day + timedelta(days=1))
    assert _loaded(loaded) == expected and not report.errors
