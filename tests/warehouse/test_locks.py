"""The writer lock: one lsw process writes at a time, waits are announced once, re-entrant."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.calendar import RangeError, check_range, today
from warehouse.db import connect
from warehouse.locks import WarehouseBusy, lock_conflict, while_locked, writer_lock

HOLD = """
import sys, time
from pathlib import Path
from warehouse.locks import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_waits_and_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    holder = _hold(path, 1.0)
    said: list[str] = []
    began = time.monotonic()
    with writer_lock(path, on_wait=lambda: said.append("waiting")):
        waited = time.monotonic() - began
    holder.wait(timeout=10)
    assert said == ["waiting"] and waited >= 0.5


def test_it_gives_up_with_one_line_after_the_longest_wait(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    holder = _hold(path, 5.0)
    try:
        with pytest.raises(WarehouseBusy) as busy, writer_lock(path, max_wait_s=0.3):
            pass
        assert str(busy.value) == (
            f"{path}: held by another process for over 0 s; try again when it has finished"
        )
    finally:
        holder.kill()


def test_the_lock_is_re_entrant_within_a_process(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with writer_lock(path), writer_lock(path), connect(path) as con:
        con.execute("create table t as select 1 as x").fetchall()


def test_a_reader_in_another_process_is_waited_out(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
            " time.sleep(1.0); c.close()",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
    said: list[str] = []
    con = while_locked(
        lambda: duckdb.connect(str(path)), max_wait_s=30, on_wait=lambda: said.append("w")
    )
    con.close()
    reader.wait(timeout=10)
    assert said == ["w"]


def test_lock_conflicts_are_recognised_however_wrapped() -> None:
    inner = duckdb.IOException('Could not set lock on file "w.duckdb": Conflicting lock is held')
    try:
        try:
            raise inner
        except duckdb.IOException as exc:
            raise RuntimeError("load failed") from exc
    except RuntimeError as outer:
        assert lock_conflict(outer)
    assert not lock_conflict(RuntimeError("disk full"))


def test_ranges() -> None:
    from datetime import date

    check_range(date(2024, 1, 1), today())
    with pytest.raises(RangeError):
        check_range(date(2024, 1, 2), date(2024, 1, 1))
