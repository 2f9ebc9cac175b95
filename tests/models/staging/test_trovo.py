"""Trovo staging on hand-built frames: sessions from channel snapshots, followers, totals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from models.schema import STAGED_FOLLOWER_TOTALS, STAGED_FOLLOWERS, STAGED_SESSIONS
from models.staging.trovo import stage

UTC_TS = pl.Datetime("us", "UTC")
SNAPSHOT = {
    "channel_id": pl.String(),
    "observed_at": UTC_TS,
    "is_live": pl.Boolean(),
    "live_title": pl.String(),
    "current_viewers": pl.Int64(),
    "followers": pl.Int64(),
    "started_at": UTC_TS,
    "ended_at": UTC_TS,
}


def at(hh: int, mm: int, ss: int = 0, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hh, mm, ss)


def snapshots(*rows: tuple[Any, ...], zone: str = "UTC") -> pl.LazyFrame:
    """(channel, observed, is_live, title, viewers, followers, started, ended) in UTC,
    handed over in ``zone`` as DuckDB does with its session's time zone."""
    naive = {k: pl.Datetime("us") if v == UTC_TS else v for k, v in SNAPSHOT.items()}
    frame = pl.DataFrame(rows, schema=naive, orient="row").with_columns(
        pl.col(c).dt.replace_time_zone("UTC").dt.convert_time_zone(zone)
        for c in ("observed_at", "started_at", "ended_at")
    )
    return frame.lazy()


def sessions(frame: pl.LazyFrame) -> list[dict[str, Any]]:
    staged = stage({"channel_snapshots": frame}).sessions
    assert staged is not None
    got = staged.collect()
    assert dict(got.schema) == STAGED_SESSIONS
    return got.select(
        "account_id", "session_id", "title", "status", "started_at", "ended_at",
        "session_date", "duration_s", "peak_viewers", "views",
    ).to_dicts()  # fmt: skip


# LeafHawk on the sandbox's frozen day: live 13:09:44-14:24:11, seen at 13:15, 13:30 and
# 14:15 (306, 752, 594 viewers; ended_at is the previous day's stream's end), then at 14:30.
START, END, BEFORE = at(13, 9, 44), at(14, 24, 11), at(17, 15, 50, day=19)
LEAF = [
    ("131", at(13, 15), True, "Chill ranked grind", 306, 9083, START, BEFORE),
    ("131", at(13, 30), True, "Chill ranked grind", 752, 9084, START, BEFORE),
    ("131", at(14, 15), True, "Chill ranked grind", 594, 9084, START, BEFORE),
]
LEAF_SESSION = {
    "account_id": "131",
    "session_id": "131:1795180184",
    "title": "Chill ranked grind",
    "status": "live",
    "started_at": START,
    "ended_at": None,
    "session_date": date(2026, 11, 20),
    "duration_s": None,
    "peak_viewers": 752,
    "views": None,
}


def test_three_live_snapshots_are_one_live_session_with_the_peak() -> None:
    assert sessions(snapshots(*LEAF)) == [LEAF_SESSION]


def test_a_snapshot_after_the_end_ends_it() -> None:
    ended = ("131", at(14, 30), False, "Chill ranked grind", 0, 9085, START, END)
    assert sessions(snapshots(*LEAF, ended)) == [
        {**LEAF_SESSION, "status": "ended", "ended_at": END, "duration_s": 4467}
    ]


def test_the_snapshots_order_and_zone_do_not_matter() -> None:
    ended = ("131", at(14, 30), False, "Chill ranked grind", 0, 9085, START, END)
    shuffled = snapshots(ended, LEAF[1], LEAF[0], LEAF[2], zone="Asia/Tokyo")
    assert sessions(shuffled) == [
        {**LEAF_SESSION, "status": "ended", "ended_at": END, "duration_s": 4467}
    ]


def test_a_stream_seen_only_after_it_ended_has_no_peak() -> None:
    """The first snapshot of the day shows yesterday's stream, over: a session without a
    peak (no one counted its viewers) but with its start and end."""
    first = ("131", at(12, 0), False, "Old title", 0, 9083, at(14, 1, 42, day=19), BEFORE)
    assert sessions(snapshots(first)) == [
        {
            "account_id": "131",
            "session_id": "131:1795096902",
            "title": "Old title",
            "status": "ended",
            "started_at": at(14, 1, 42, day=19),
            "ended_at": BEFORE,
            "session_date": date(2026, 11, 19),
            "duration_s": 11648,
            "peak_viewers": None,
            "views": None,
        }
    ]


def test_a_stream_whose_end_was_missed_is_ended_by_the_next() -> None:
    """Seen live once; the next snapshot is already of a later stream, live, and names the
    end of the one before it (ended_at < its own started_at)."""
    later = at(18, 0)
    rows = [LEAF[0], ("131", at(18, 30), True, "Evening", 40, 9090, later, END)]
    got = sessions(snapshots(*rows))
    assert [(s["session_id"], s["status"], s["ended_at"], s["duration_s"]) for s in got] == [
        ("131:1795180184", "ended", END, 4467),
        ("131:1795197600", "live", None, None),
    ]
    # an end older than the stream is another's: still ended (a later stream began), end unknown
    rows = [LEAF[0], ("131", at(18, 30), True, "Evening", 40, 9090, later, BEFORE)]
    got = sessions(snapshots(*rows))
    assert [(s["status"], s["ended_at"]) for s in got] == [("ended", None), ("live", None)]


def test_without_ended_at_the_live_flag_decides() -> None:
    """A channel's first stream ever: no earlier stream, so no ended_at ("0") at all."""
    rows = [
        ("9", at(10, 0), True, "First", 12, 5, at(9, 50), None),
        ("9", at(10, 5), None, "First", 15, 5, at(9, 50), None),
        ("9", at(8, 0), False, None, 0, 5, None, None),  # never streamed: no session
    ]
    got = sessions(snapshots(*rows))
    assert [(s["status"], s["peak_viewers"], s["title"]) for s in got] == [("ended", 12, "First")]


def test_channels_are_kept_apart() -> None:
    other = ("7", at(13, 20), True, "Other", 99, 10, START, BEFORE)  # same start, other channel
    got = sessions(snapshots(*LEAF, other))
    assert [(s["session_id"], s["peak_viewers"]) for s in got] == [
        ("131:1795180184", 752),
        ("7:1795180184", 99),
    ]


def test_followers_and_totals() -> None:
    followers = pl.LazyFrame(
        {
            "channel_id": ["131", "131"],
            "user_id": ["u1", "u2"],
            "followed_at": [at(1, 2, 3), at(23, 59, 59)],
            "nickname": ["a", None],
        },
        schema_overrides={"followed_at": UTC_TS},
    ).with_columns(pl.col("followed_at").dt.convert_time_zone("America/New_York"))
    staged = stage({"channel_snapshots": snapshots(*LEAF), "followers": followers})
    assert staged.followers is not None and staged.follower_totals is not None
    got = staged.followers.collect()
    assert dict(got.schema) == STAGED_FOLLOWERS
    assert got.rows() == [
        ("trovo", "131", "u1", at(1, 2, 3)),
        ("trovo", "131", "u2", at(23, 59, 59)),
    ]
    totals = staged.follower_totals.collect()
    assert dict(totals.schema) == STAGED_FOLLOWER_TOTALS
    assert totals.rows() == [
        ("trovo", "131", at(13, 15), 9083),
        ("trovo", "131", at(13, 30), 9084),
        ("trovo", "131", at(14, 15), 9084),
    ]


def test_tables_not_loaded_yet_are_left_out() -> None:
    staged = stage({"channel_snapshots": snapshots(*LEAF)})
    assert staged.followers is None and staged.products is None
    assert stage({}).sessions is None
