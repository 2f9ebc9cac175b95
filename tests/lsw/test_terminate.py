"""`lsw run` terminated (SIGTERM) as a real process: it stops at once, says what it stopped,
exits 143; the next run removes what the stopped one left behind and loads exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
from dagster import DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus

from lsw.runner import PID_TAG, materialize
from sandbox import SandboxServer

LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]


def _started(instance: DagsterInstance, pid: int) -> list[DagsterRun]:
    return [
        run
        for run in instance.get_runs()
        if run.status == DagsterRunStatus.STARTED and run.tags.get(PID_TAG) == str(pid)
    ]


def test_sigterm_stops_the_run_names_what_it_stopped_and_exits_143(
    warehouse: Path, sandbox: SandboxServer
) -> None:
    sandbox.set_knobs("tiktok_shop", latency_ms=3000)  # each page takes 3 s: caught mid-fetch
    run = subprocess.Popen(
        [*LSW, "run", "--start", "2026-11-18", "--end", "2026-11-19", "-p", "tiktok_shop"],
        env={**os.environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    instance = DagsterInstance.get()
    deadline = time.monotonic() + 120
    while sandbox.stats()["tiktok_shop"]["requests"] == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    [started] = _started(instance, run.pid)
    os.kill(run.pid, signal.SIGTERM)
    _, errors = run.communicate(timeout=30)
    assert run.returncode == 143, errors
    [line] = [line for line in errors.splitlines() if line.strip()]
    assert line.startswith("interrupted (SIGTERM): stopped tiktok_shop; ")
    assert line.endswith(f"marts not rebuilt (run {started.run_id})")
    stopped = instance.get_run_by_id(started.run_id)
    assert stopped is not None and stopped.status == DagsterRunStatus.CANCELED
    steps = {
        entry.step_key
        for entry in instance.all_logs(started.run_id, of_type=DagsterEventType.STEP_START)
    }
    assert "window_marts" not in steps  # the marts were not rebuilt
    left = warehouse.parent / ".lsw" / "dlt" / started.run_id
    assert left.is_dir()  # its dlt folder, with whatever it had fetched

    sandbox.set_knobs("tiktok_shop", latency_ms=0)
    outcome = materialize(["tiktok_shop"], date(2026, 11, 18), date(2026, 11, 19))
    assert outcome.ok, outcome.failures
    assert not left.exists()  # removed by the next run
    assert list((warehouse.parent / ".lsw" / "dlt").iterdir()) == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from tiktok_shop.livestreams").fetchall() == [(9,)]
        assert con.execute("select count(*) from marts.fct_sessions").fetchall() == [(9,)]
