"""A window reads only the rows it needs of every raw table, and gives the marts that reading
everything would give.

Trovo's channel snapshots are the hard case (no time of their own that places a session):
hand-made rows in a real DuckDB file cover a session that started before the window, one
whose end only the next session's snapshots tell, and follower counts carried forward.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal

from dagster_project.defs.marts import inputs
from dagster_project.defs.marts.assets import rebuild, rebuild_by_chunks
from lsw.runner import materialize
from models.fx import load_rates
from models.marts.followers import followers_daily
from models.marts.sessions import fct_sessions
from models.staging.staged import Staged
from pipelines.registry import SPECS
from pipelines.trovo import SPEC
from pipelines.trovo.schema import CHANNEL_SNAPSHOTS
from warehouse.db import read_frame
from warehouse.store import DuckStore

START, END = datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 11, tzinfo=UTC)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


# (label, channel, observed_at, started_at, ended_at, viewers, followers, title)
SNAPSHOTS = [
    ("old", "A", _at(8, 10), _at(8, 9), _at(7, 22), 10, 100, "old"),
    ("before", "A", _at(9, 20), _at(9, 19), _at(8, 11), 20, 110, "before"),  # last count before
    ("before ends", "A", _at(10, 1), _at(9, 19), _at(10, 0, 30), 0, 111, "before"),
    ("w1 live", "A", _at(10, 12), _at(10, 11), _at(10, 0, 30), 50, 120, "w1"),
    # seen the next day, live, saying w1 ended at 15:00
    ("w2 live", "A", _at(11, 2), _at(10, 23), _at(10, 15), 80, 130, "w2"),
    ("next live", "A", _at(11, 5), _at(11, 4), _at(11, 3), 90, 140, "next"),  # w2 ended 03:00
    ("after next", "A", _at(12, 10), _at(12, 9), _at(11, 6), 5, 150, "later"),
    ("b live", "B", _at(10, 18), _at(10, 17), None, 7, 9, "b"),  # B: nothing before, no end
    ("b later", "B", _at(15, 18), _at(15, 17), _at(10, 19), 3, 12, "b2"),
]
WANTED = {"before", "before ends", "w1 live", "w2 live", "next live", "b live", "b later"}


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    rows = [
        {
            "channel_id": channel,
            "observed_at": observed,
            "is_live": ended is None or ended < started,
            "live_title": title,
            "current_viewers": viewers,
            "followers": followers,
            "started_at": started,
            "ended_at": ended,
            "username": label,  # which snapshot it is, for the assertions
        }
        for label, channel, observed, started, ended, viewers, followers, title in SNAPSHOTS
    ]
    table = pa.Table.from_pylist(rows, schema=CHANNEL_SNAPSHOTS)
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("create schema trovo")
    connection.register("snapshots", table)
    connection.execute("create table trovo.channel_snapshots as select * from snapshots")
    yield connection
    connection.close()


def _marts(staged: Staged) -> tuple[pl.DataFrame, pl.DataFrame]:
    assert staged.sessions is not None and staged.follower_totals is not None
    first, end = START.date(), END.date()
    sessions = (
        fct_sessions([staged.sessions], load_rates().lazy())
        .filter(pl.col("session_date").is_between(first, end, closed="left"))
        .collect()
    )
    followers = followers_daily([], [staged.follower_totals], first, end).collect()
    return sessions, followers


def test_a_window_reads_its_snapshots_and_gives_the_marts_of_all_of_them(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = {t.name: t for t in SPEC.raw_tables if t.name == "channel_snapshots"}
    sql, params = inputs.window_sql(con, "trovo", tables, tables["channel_snapshots"], START, END)
    read = con.execute(f"select username from ({sql})", params).fetchall()
    assert sorted(label for (label,) in read) == sorted(WANTED)

    reads: list[tuple[str, str, int]] = []
    monkeypatch.setattr(inputs, "read_hooks", [lambda s, t, n: reads.append((s, t, n))])
    (windowed,) = inputs.staged_window(con, START, END)
    assert reads == [("trovo", "channel_snapshots", len(WANTED))]
    whole = SPEC.stage(
        {"channel_snapshots": read_frame(con, "select * from trovo.channel_snapshots")}
    )

    sessions, followers = _marts(windowed)
    whole_sessions, whole_followers = _marts(whole)
    assert_frame_equal(sessions, whole_sessions)
    assert_frame_equal(followers, whole_followers)
    assert sessions.select("account_id", "title", "peak_viewers", "ended_at", "status").rows() == [
        ("A", "w1", 50, datetime(2026, 11, 10, 15), "ended"),
        ("A", "w2", 80, datetime(2026, 11, 11, 3), "ended"),
        ("B", "b", 7, datetime(2026, 11, 10, 19), "ended"),
    ]
    # A's count of the 9th (110) carries into the 10th's end: its last snapshot of the 10th
    # says 120; B is known from the 10th
    assert followers.select("account_id", "date", "followers_total").rows() == [
        ("A", date(2026, 11, 10), 120),
        ("B", date(2026, 11, 10), 9),
    ]


DAYS = [date(2026, 11, 18), date(2026, 11, 19)]
MARTS = [
    "fct_sessions",
    "gmv_daily",
    "engagement_daily",
    "product_performance",
    "followers_daily",
]


def _all_marts(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return {t: sorted(db.sql(f"select * from marts.{t}").fetchall(), key=repr) for t in MARTS}


def _expected_reads(warehouse: Path, day: date) -> dict[tuple[str, str], int]:
    """Rows of the day of every table with a time of its own or a parent, counted here
    without the marts' reader: by each row's own day, or by its parent's."""
    expected = {}
    with duckdb.connect(str(warehouse), read_only=True) as db:
        for spec in SPECS.values():
            tables = {t.name: t for t in spec.raw_tables}
            for table in spec.raw_tables:
                timed = table if table.parent is None else tables[table.parent.table]
                if timed.time_column is None:
                    continue  # Trovo's snapshots: the hand-made test above
                on_day = f"select * from {spec.name}.{timed.name} where {timed.day_sql()} = ?"
                sql = (
                    f"select count(*) from ({on_day})"
                    if table.parent is None
                    else f"""select count(*) from {spec.name}.{table.name} where
                    "{table.parent.column}" in (select "{table.parent.parent_column}" from ({on_day}))"""
                )
                expected[(spec.name, table.name)] = db.execute(sql, [day]).fetchone()[0]  # type: ignore[index]
    return expected


def test_day_by_day_rebuilds_read_their_days_and_equal_the_one_run_backfill(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    providers = list(SPECS)
    assert materialize(providers, DAYS[0], DAYS[-1]).ok
    backfilled = _all_marts(warehouse)
    assert all(backfilled[t] for t in MARTS)
    with duckdb.connect(str(warehouse)) as db:
        for table in MARTS:
            db.execute(f"delete from marts.{table}")

    reads: dict[tuple[str, str], int] = {}
    monkeypatch.setattr(inputs, "read_hooks", [lambda s, t, n: reads.__setitem__((s, t), n)])
    for day in DAYS:
        reads.clear()
        assert materialize([], day, day).ok
        expected = _expected_reads(warehouse, day)
        assert {k: v for k, v in reads.items() if k in expected} == expected
        assert sum(expected.values()) > 0
    assert _all_marts(warehouse) == backfilled

    assert materialize([], DAYS[0], DAYS[0]).ok  # re-running a day changes nothing
    assert _all_marts(warehouse) == backfilled

    # a long window is rebuilt in parts (here of one day), oldest first: the same marts
    with duckdb.connect(str(warehouse)) as db:
        for table in MARTS:
            db.execute(f"delete from marts.{table}")
        start = datetime.combine(DAYS[0], time(), UTC)
        end = datetime.combine(DAYS[-1], time(), UTC) + timedelta(days=1)
        built = rebuild_by_chunks(DuckStore(db), start, end, chunk_days=1)
    assert built == {t: len(rows) for t, rows in backfilled.items()}
    assert _all_marts(warehouse) == backfilled


def test_a_window_whose_marts_cannot_all_be_written_changes_none_of_them(
    con: duckdb.DuckDBPyConnection,
) -> None:
    store = DuckStore(con)
    assert rebuild(store, START, END)["fct_sessions"] == 3
    con.execute("update marts.fct_sessions set title = 'as it was'")
    # the followers mart, written after the sessions, can no longer take the window's rows
    con.execute(
        "create or replace table marts.followers_daily (date date, provider varchar, "
        "account_id varchar, new_followers bigint, followers_total date)"
    )
    with pytest.raises(duckdb.Error, match=r"BIGINT -> DATE.* followers_total"):
        rebuild(store, START, END)
    assert con.execute("select distinct title from marts.fct_sessions").fetchall() == [
        ("as it was",)
    ]

    con.execute("drop table marts.followers_daily")
    assert rebuild(store, START, END)["followers_daily"] == 2  # the store is usable again
    titles = con.execute("select title from marts.fct_sessions order by title").fetchall()
    assert titles == [("b",), ("w1",), ("w2",)]


def test_a_long_window_puts_duckdbs_checkpoints_off_until_its_parts_are_written(
    con: duckdb.DuckDBPyConnection,
) -> None:
    store = DuckStore(con)
    setting = "select current_setting('checkpoint_threshold')"
    before = con.execute(setting).fetchall()
    with store.deferring_upkeep():
        assert con.execute(setting).fetchall() != before
        rebuild(store, START, END)
    assert con.execute(setting).fetchall() == before
