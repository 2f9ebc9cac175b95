"""Point-in-time snapshots against the Trovo sandbox: channel state to sessions, viewers,
top channels, and the rate limit (headers, 11706 with HTTP 200 or 429)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from models.staging.trovo import stage
from pipelines.report import RunReport
from pipelines.trovo import helpers, trovo_snapshot_source
from pipelines.trovo.helpers import TrovoApi, trovo_client
from pipelines.trovo.schema import TopPage
from pipelines.trovo.snapshots import top_channels
from sandbox import SandboxServer
from tests.conftest import FROZEN_AT
from tests.pipelines.trovo.conftest import Loaded, channel_ids, trovo_config, world
from warehouse.db import connect, read_frame

MINUTE = 60
LEAF_START, LEAF_END = 1_795_180_184, 1_795_184_651  # ids[3] LeafHawk: 13:09:44-14:24:11


def _snapshot(load: Callable[..., Loaded], *resources: str, **overrides: Any) -> RunReport:
    report = RunReport("trovo")
    source = trovo_snapshot_source(trovo_config(**overrides), report)
    load(source.with_resources(*resources) if resources else source)
    return report


def _sessions(loaded: Loaded) -> list[dict[str, Any]]:
    with connect(loaded.path, read_only=True) as con:
        snapshots = read_frame(con, "select * from trovo.channel_snapshots")
    staged = stage({"channel_snapshots": snapshots})
    assert staged.sessions is not None
    frame = staged.sessions.filter(pl.col("session_date") == datetime(2026, 11, 20).date())
    return frame.select(
        "account_id", "session_id", "status", "started_at", "ended_at", "duration_s",
        "peak_viewers",
    ).collect().to_dicts()  # fmt: skip


def test_a_stream_seen_live_then_ended_is_one_session_with_its_peak(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    leaf = channel_ids(sandbox)[3]
    for minutes in (75, 90, 135):  # 13:15, 13:30, 14:15: 306, 752 and 594 viewers
        sandbox.freeze_clock(FROZEN_AT + minutes * MINUTE)
        report = _snapshot(load, "channel_snapshots")
        assert not report.errors and not report.warnings
    loaded = load(trovo_snapshot_source(trovo_config()).with_resources())  # nothing: same file
    seen = loaded.rows(
        "select current_viewers, is_live, epoch(started_at), epoch(ended_at) < epoch(started_at) "
        "from trovo.channel_snapshots where channel_id = ? order by observed_at",
        [leaf],
    )
    assert seen == [(306, True, LEAF_START, True), (752, True, LEAF_START, True),
                    (594, True, LEAF_START, True)]  # fmt: skip
    session = {
        "account_id": leaf,
        "session_id": f"{leaf}:{LEAF_START}",
        "status": "live",
        "started_at": datetime(2026, 11, 20, 13, 9, 44),
        "ended_at": None,
        "duration_s": None,
        "peak_viewers": 752,
    }
    assert _sessions(loaded) == [session]
    sandbox.freeze_clock(FROZEN_AT + 150 * MINUTE)  # 14:30: ended at 14:24:11
    _snapshot(load, "channel_snapshots")
    ended = {
        **session,
        "status": "ended",
        "ended_at": datetime(2026, 11, 20, 14, 24, 11),
        "duration_s": LEAF_END - LEAF_START,
    }
    assert _sessions(loaded) == [ended]


def test_a_whole_snapshot(sandbox: SandboxServer, load: Callable[..., Loaded]) -> None:
    ids = channel_ids(sandbox)
    sandbox.freeze_clock(FROZEN_AT + 90 * MINUTE)  # 13:30: LeafHawk live with 752 viewers
    report = _snapshot(load)
    loaded = load(trovo_snapshot_source(trovo_config()).with_resources())
    assert loaded.tables() >= {"channel_snapshots", "viewers", "top_channels", "subscribers"}
    observed = datetime.fromtimestamp(FROZEN_AT + 90 * MINUTE, UTC)
    for table in ("channel_snapshots", "viewers", "top_channels", "subscribers"):
        assert loaded.rows(f"select distinct observed_at from trovo.{table}") == [(observed,)]
    w, now = world(sandbox), FROZEN_AT + 90 * MINUTE
    assert loaded.rows(
        "select channel_id, followers, subscriber_num from trovo.channel_snapshots order by 1"
    ) == sorted(
        (c, w.follower_count(w.by_id[c], now), len(w.subscriptions(w.by_id[c], now))) for c in ids
    )
    # viewers: the world's logged-in viewers of LeafHawk at 13:30, counted per role
    watching = w.chatters(w.by_id[ids[3]], now)
    roles = Counter(role for viewer in watching for role in viewer.roles)
    assert loaded.rows(
        "select viewers_total, viewers_all, viewers_followers, viewers_moderators, "
        "viewers_subscribers, viewers_vips from trovo.viewers where channel_id = ?",
        [ids[3]],
    ) == [(len(watching), len(watching), roles["followers"], roles["moderators"],
           roles["subscribers"], roles["VIPS"])]  # fmt: skip
    assert roles["followers"] > 100 and roles["moderators"] == 3
    assert loaded.rows("select sum(viewers_total) from trovo.viewers where channel_id != ?",
                       [ids[3]]) == [(0,)]  # fmt: skip
    # top channels: the minute's ranking, rank by rank
    ranking = [ch.channel_id for ch, _, _ in w.ranking(now)]
    assert loaded.rows("select channel_id from trovo.top_channels order by rank") == [
        (c,) for c in ranking
    ]
    assert ids[3] in ranking
    # subscribers: the token's channel only (ids[0]: 36 at this time), the others named once
    assert loaded.rows("select channel_id, count(*) from trovo.subscribers group by 1") == [
        (ids[0], 36)
    ]
    assert report.warnings == [
        f"trovo: subscribers of channels {ids[1]}, {ids[2]}, {ids[3]} skipped: Trovo lists a "
        f"channel's subscribers only to its owner, and the access token is channel {ids[0]}'s"
    ]
    assert not report.errors


class MinuteTurns(TrovoApi):
    """The real client, asking 5 channels a page, with the sandbox's minute turning after
    each page: Trovo's list refreshes every minute, so later pages repeat or skip channels."""

    def __init__(self, client: Any, sandbox: SandboxServer) -> None:
        super().__init__(client)
        self.sandbox = sandbox
        self.served: list[str] = []

    def top_channels(
        self, token: str, cursor: int, category: str | None, limit: int = 5
    ) -> TopPage:
        page = super().top_channels(token, cursor, category, limit=5)
        self.served += [c["channel_id"] for c in page.get("top_channels_lists") or []]
        self.sandbox.advance_clock(MINUTE)
        return page


def test_top_channels_are_deduplicated_across_pages(sandbox: SandboxServer) -> None:
    w = world(sandbox)
    expected: list[str] = []
    for page in range(5):  # page k is served from minute k's ranking
        ranked = [ch.channel_id for ch, _, _ in w.ranking(FROZEN_AT + page * MINUTE)]
        expected += [c for c in ranked[page * 5 : page * 5 + 5] if c not in expected]
    observed = helpers.observed_now()
    with trovo_client(trovo_config()) as client:
        api = MinuteTurns(client, sandbox)
        walked = top_channels(api, None, 100, observed)
    # 20, 20, 20, 21, 21 live in minutes 0-4: five pages, the fifth of one channel
    assert walked.pages == 5 and walked.total_pages == 5 and not walked.cut
    assert len(api.served) == 21 and len(set(api.served)) < 21  # a channel came back
    assert [r["channel_id"] for r in walked.rows] == expected
    assert [r["rank"] for r in walked.rows] == list(range(1, len(expected) + 1))
    assert {r["observed_at"] for r in walked.rows} == {observed}
    # the page cap stops the walk and says so
    with trovo_client(trovo_config()) as client:
        capped = top_channels(MinuteTurns(client, sandbox), None, 2, observed)
    assert capped.pages == 2 and capped.cut and len(capped.rows) <= 10


def test_top_channels_of_one_category(sandbox: SandboxServer, load: Callable[..., Loaded]) -> None:
    report = _snapshot(load, "top_channels", top_channels_category="10459")  # VALORANT
    loaded = load(trovo_snapshot_source(trovo_config()).with_resources())
    rows = loaded.rows("select distinct category_id, category_filter from trovo.top_channels")
    assert rows == [("10459", "10459")] and not report.errors
    report = _snapshot(load, "top_channels", top_channels_category="424242")
    assert [str(e) for e in report.errors] == [
        "trovo: POST /gettopchannels: no such category (check "
        "sources.trovo.top_channels_category) (11000: Invalid category.)"
    ]


def test_an_injected_11706_with_http_200_is_waited_out(
    sandbox: SandboxServer, load: Callable[..., Loaded], caplog: pytest.LogCaptureFixture
) -> None:
    # a 1-second window, so that the reset the headers name is near
    sandbox.set_knobs(
        "trovo",
        rate_limit=1200,
        rate_window_s=1,
        faults=[{"kind": "rate_limited", "nth": 2, "path": "/channels/id"}],
        options={"rate_limit_http_status": 200},
    )
    began = time.monotonic()
    with caplog.at_level(logging.WARNING, "lsw.http"):
        report = _snapshot(load, "channel_snapshots", concurrency=1)
    waited = time.monotonic() - began
    assert not report.errors and report.requests == 5  # 4 channels, one asked twice
    assert sandbox.stats()["trovo"]["faults_fired"] == 1
    loaded = load(trovo_snapshot_source(trovo_config()).with_resources())
    assert loaded.rows("select count(*) from trovo.channel_snapshots") == [(4,)]
    [line] = [r.getMessage() for r in caplog.records if "11706" in r.getMessage()]
    assert line.startswith(
        "trovo: POST /channels/id: over the client id's rate limit (11706: API rate limit "
        "exceeded. (You may apply for rate limit increase by contacting Trovo staff)); retry 1 in "
    )
    assert float(line.rsplit(" in ", 1)[1].rstrip("s")) > 0.5 and waited > 0.5


def test_a_real_11706_with_http_429_is_waited_out(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    """Trovo allows 5 requests a second here, and we (wrongly) think 1200 a minute: four
    requests at once (each 100 ms on the way, so all are sent before the first answer can
    warn) run into the limit; every thread waits for the reset, then goes on."""
    sandbox.set_knobs("trovo", rate_limit=5, rate_window_s=1, latency_ms=100)
    report = _snapshot(load, "channel_snapshots", "viewers", concurrency=4)
    assert not report.errors
    loaded = load(trovo_snapshot_source(trovo_config()).with_resources())
    assert loaded.rows("select count(*) from trovo.channel_snapshots") == [(4,)]
    assert loaded.rows("select count(*) from trovo.viewers") == [(4,)]
    refused = report.requests - 8
    assert refused >= 1 and sandbox.stats()["trovo"]["requests"] == report.requests


def test_the_headers_slow_us_down_before_trovo_refuses(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    """One at a time, the headers' remaining count reaching 0 holds the next request until
    the reset: no refusal at all, though our own limit (1200 a minute) is far above Trovo's."""
    sandbox.set_knobs("trovo", rate_limit=5, rate_window_s=1)
    began = time.monotonic()
    report = _snapshot(load, "channel_snapshots", "viewers", concurrency=1)
    assert not report.errors and report.requests == 8 == sandbox.stats()["trovo"]["requests"]
    assert time.monotonic() - began > 0.5  # the 6th request waited for the window to move
