"""`lsw` in real processes: two runs at once on one warehouse, and a run killed mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus

from lsw.runner import PID_TAG, fail_abandoned_runs
from sandbox import SandboxServer

LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]
RANGE = ["--start", "2026-11-18", "--end", "2026-11-19", "-p", "tiktok_shop"]


def _env(warehouse: Path, sandbox: SandboxServer) -> dict[str, str]:
    return {**os.environ, **sandbox.env(), "LSW_WAREHOUSE": str(warehouse)}


def test_two_runs_started_together_both_succeed(warehouse: Path, sandbox: SandboxServer) -> None:
    env = _env(warehouse, sandbox)
    runs = [
        subprocess.Popen(
            [*LSW, "run", *RANGE], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=240) for run in runs]
    for run, (out, errors) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, (out + errors).decode()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_sessions").fetchall() == [(9,)]
        assert con.execute("select count(*) from tiktok_shop.livestreams").fetchall() == [(9,)]
    # whoever had to wait said so once, in one line
    said = b"".join(errors for _, errors in outputs).decode()
    assert said.count("waiting for the warehouse (held by another process)") <= 2
    assert "Conflicting lock" not in said and "Traceback" not in said


def test_a_killed_run_is_marked_failed_on_the_next_start(
    warehouse: Path, sandbox: SandboxServer
) -> None:
    sandbox.set_knobs("tiktok_shop", latency_ms=2000)  # long enough to be killed mid-fetch
    run = subprocess.Popen(
        [*LSW, "run", *RANGE],
        env=_env(warehouse, sandbox),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    instance = DagsterInstance.get()
    deadline = time.monotonic() + 120
    started: list[DagsterRun] = []
    while not started and time.monotonic() < deadline:
        time.sleep(0.5)
        started = [
            r
            for r in instance.get_runs()
            if r.status == DagsterRunStatus.STARTED and r.tags.get(PID_TAG) == str(run.pid)
        ]
    assert started, "the run never started"
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    [killed] = started
    assert _status(instance, killed.run_id) == DagsterRunStatus.STARTED
    assert fail_abandoned_runs(instance) == [killed.run_id]
    assert _status(instance, killed.run_id) == DagsterRunStatus.FAILURE
    assert fail_abandoned_runs(instance) == []


def _status(instance: DagsterInstance, run_id: str) -> DagsterRunStatus:
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return run.status
