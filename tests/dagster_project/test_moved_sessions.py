"""A session whose start moves to another day is counted once, on its new day, even when only
the new day is rebuilt (the old one may be past every schedule's look-back)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from dagster_project.defs.marts.assets import rebuild
from lsw.runner import materialize
from warehouse.db import connect
from warehouse.store import DuckStore

DAY1, DAY2 = date(2026, 11, 17), date(2026, 11, 18)
MARTS = ["fct_sessions", "gmv_daily", "engagement_daily", "product_performance"]


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return start, datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)


def _marts(con: object) -> dict[str, pl.DataFrame]:
    store = DuckStore(con)  # type: ignore[arg-type]
    return {name: store.read(f"select * from marts.{name}").sort(pl.all()) for name in MARTS}


def test_a_session_moved_to_the_next_day_leaves_its_old_day(warehouse: Path) -> None:
    assert materialize(["shopee"], DAY1, DAY2).ok
    with connect(warehouse) as con:
        store = DuckStore(con)
        (moved, account, gmv), *_ = store.run(
            "select session_id, account_id, gmv from marts.fct_sessions "
            "where provider = 'shopee' and session_date = ? and gmv > 0 order by session_id",
            [DAY1],
        )
        before = store.run(
            "select sessions, gmv from marts.gmv_daily where session_date = ? "
            "and provider = 'shopee' and account_id = ?",
            [DAY1, account],
        )
        # Shopee now tells a start a day later: every raw table dates the session by it
        for (table,) in store.run(
            "select table_name from information_schema.columns where table_schema = 'shopee' "
            "and column_name = 'session_start'"
        ):
            store.run(
                f'update shopee."{table}" set session_start = session_start + 86400 '
                "where session_id = ?",
                [int(moved)],
            )
        rebuild(store, *_window(DAY2, DAY2))  # the new day only
        assert store.run(
            "select session_date from marts.fct_sessions where session_id = ?", [moved]
        ) == [(DAY2,)]
        after = store.run(
            "select sessions, gmv from marts.gmv_daily where session_date = ? "
            "and provider = 'shopee' and account_id = ?",
            [DAY1, account],
        )
        assert after[0][0] == before[0][0] - 1
        assert after[0][1] == before[0][1] - gmv
        only_new_day = _marts(con)
        rebuild(store, *_window(DAY1, DAY2))  # what rebuilding both days gives
        both_days = _marts(con)
    for name in MARTS:
        assert_frame_equal(only_new_day[name], both_days[name])
