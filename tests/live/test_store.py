"""The landing store on a real SQLite file: durable settings, dedupe, order, another reader."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from live.store import Record, SqliteLandingStore


def test_records_are_stored_once_in_order_and_seen_by_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "state" / "landing.sqlite3"
    with SqliteLandingStore(path) as store:
        first = store.add([Record("a", "1", 1.0, b"{}"), Record("b", "1", 2.0, b"[]")])
        again = store.add(
            [
                Record("a", "1", 3.0, b'{"x": 1}'),
                Record("a", "2", 4.0, b"{}"),
                Record("a", "2", 5.0, b""),
            ]
        )
        assert (first, again) == ([True, True], [False, True, False])
        assert store.add([]) == []
        with SqliteLandingStore(path) as other:  # another process's view, while this one is open
            landed = other.read(0, 10)
            assert [(r.source, r.record_id, r.body) for r in landed] == [
                ("a", "1", b"{}"),
                ("b", "1", b"[]"),
                ("a", "2", b"{}"),
            ]
            seqs = [r.seq for r in landed]
            assert seqs == sorted(set(seqs))  # only grows: a reader's cursor
            assert other.read(seqs[0], 1) == landed[1:2]
            assert (other.count(), other.count("a"), other.count("c")) == (3, 2, 0)
    assert path.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(path) as con:
        assert con.execute("pragma journal_mode").fetchone() == ("wal",)


def test_every_connection_commits_with_a_full_fsync(tmp_path: Path) -> None:
    with SqliteLandingStore(tmp_path / "landing.sqlite3", checkpoint_s=0.05) as store:
        pragmas = [
            store._con.execute(f"pragma {p}").fetchone()[0]
            for p in ("synchronous", "wal_autocheckpoint")
        ]
        assert pragmas == [2, 0]  # FULL; checkpoints left to the background thread
        store.add([Record("a", str(i), 0.0, b"x" * 1000) for i in range(2000)])
        assert store.count() == 2000
