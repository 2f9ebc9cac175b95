"""Every run steps in threads of its process, the UI's and the schedules' as `lsw run`'s, and a
run terminated as the UI terminates one stops at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from dagster_project.definitions import defs
from dagster_project.threaded import threaded_executor

ROOT = Path(__file__).resolve().parents[2]

# a code location of one asset that takes two minutes, run as a run worker runs a job
# (execute_job of the job reconstructed from its file); the step writes a file when it starts
SLOW = """
import sys, time
from pathlib import Path
from dagster import DagsterInstance, Definitions, asset, execute_job
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster_project.threaded import threaded_executor

@asset
def slow() -> None:
    Path(sys.argv[1]).write_text("started")
    time.sleep(120)

defs = Definitions(assets=[slow], executor=threaded_executor)

if __name__ == "__main__":
    job = ReconstructableRepository.for_file(__file__, "defs").get_reconstructable_job(
        "__ASSET_JOB"
    )
    with DagsterInstance.get() as instance:
        execute_job(job, instance, raise_on_error=False)
"""


def test_every_job_of_the_code_location_steps_in_threads() -> None:
    """The UI's asset jobs, the schedules' jobs and the sensors' runs use lsw's executor."""
    jobs = defs.get_repository_def().get_all_jobs()
    names = {job.name for job in jobs}
    assert "__ASSET_JOB" in names and "shopee__daily_job" in names
    assert "firework__snapshot_job" in names
    assert all(job.executor_def is threaded_executor for job in jobs), [
        job.name for job in jobs if job.executor_def is not threaded_executor
    ]


@pytest.mark.timeout(120)
def test_a_run_terminated_from_the_ui_stops_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Terminate marks the run canceling and interrupts the run's main thread: the run ends
    canceled, naming the step it cut, and its process exits without waiting for the step."""
    home = tmp_path / "dagster"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    script, started = tmp_path / "slow.py", tmp_path / "started"
    script.write_text(SLOW)
    process = subprocess.Popen(
        [sys.executable, str(script), str(started)], cwd=ROOT, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 90
        while not started.exists():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the step never started"
            time.sleep(0.2)
        with DagsterInstance.get() as instance:
            [run] = instance.get_runs()
            instance.report_run_canceling(run)  # what the UI's Terminate does first...
            process.send_signal(signal.SIGINT)  # ...then the run worker is interrupted
            stopped = time.monotonic()
            process.wait(timeout=60)
            assert time.monotonic() - stopped < 30  # not the step's two minutes
            ended = instance.get_run_by_id(run.run_id)
            assert ended is not None and ended.status == DagsterRunStatus.CANCELED
            engine = [
                e.user_message
                for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT)
            ]
            assert "Terminated: stopping at once; steps cut: slow" in engine
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
