"""The published read-only copy: atomic, current, and never in a writer's way."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb

from warehouse.publish import copy_path, publish, reader_path


def _count(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return int(con.execute("select count(*) from t").fetchall()[0][0])


def test_publish_copies_replaces_and_skips_when_current(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    assert publish(warehouse) is None and reader_path(warehouse) == warehouse
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table t as select range as n from range(3)")
    published = publish(warehouse)
    assert published == copy_path(warehouse) == tmp_path / "warehouse.readonly.duckdb"
    assert reader_path(warehouse) == published and _count(published) == 3
    assert stat.S_IMODE(published.stat().st_mode) == 0o444
    first = published.stat().st_ino
    assert publish(warehouse) == published and published.stat().st_ino == first  # nothing new
    # a reader holds the copy open while the warehouse changes and is published again
    reader = duckdb.connect(str(published), read_only=True)
    try:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("insert into t values (3), (4)")
        publish(warehouse)
        assert published.stat().st_ino != first  # replaced, not written over
        assert reader.execute("select count(*) from t").fetchall() == [(3,)]  # its snapshot
    finally:
        reader.close()
    assert _count(published) == 5  # (DuckDB shares one open file per path in a process)
    assert sorted(os.listdir(tmp_path)) == [
        "warehouse.duckdb",
        "warehouse.duckdb.lock",
        "warehouse.readonly.duckdb",
    ]


def test_a_left_over_write_ahead_log_is_checkpointed_first(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table t (n int)")
    con = duckdb.connect(str(warehouse))
    con.execute("set checkpoint_threshold = '1GB'")
    con.execute("insert into t values (1), (2)")  # only in the .wal until a checkpoint
    wal = tmp_path / "warehouse.duckdb.wal"
    assert wal.exists()
    # a writer that died: its WAL stays; simulate by copying the files as they are now
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    (crashed / "warehouse.duckdb").write_bytes(warehouse.read_bytes())
    (crashed / "warehouse.duckdb.wal").write_bytes(wal.read_bytes())
    con.close()
    published = publish(crashed / "warehouse.duckdb")
    assert published is not None and _count(published) == 2
    assert not (crashed / "warehouse.duckdb.wal").exists()
