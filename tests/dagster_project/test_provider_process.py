"""A provider step's dlt work runs in a process of its own, and one that dies fails only its
provider (dagster_project/provider_process.py)."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
from dagster import AssetKey, DagsterInstance

from dagster_project.provider_process import running
from lsw.runner import RunOutcome, materialize
from sandbox import SandboxServer

DAY = date(2026, 11, 19)


def _loaded_by(run_id: str) -> dict[str, int]:
    """Provider -> the pid its step says did its dlt work."""
    found = {}
    for entry in DagsterInstance.get().all_logs(run_id):
        said = re.fullmatch(r"(\w+): fetched and loaded by process (\d+)", entry.user_message)
        if said:
            found[said[1]] = int(said[2])
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_each_provider_loads_in_a_process_of_its_own(warehouse: Path) -> None:
    outcome = materialize(["tiktok_shop", "trovo"], DAY, DAY)
    assert outcome.ok, outcome.failures
    pids = _loaded_by(outcome.run_ids[0])
    assert sorted(pids) == ["tiktok_shop", "trovo"]
    assert os.getpid() not in pids.values() and len(set(pids.values())) == 2
    assert not any(_alive(pid) for pid in pids.values())  # ended with their steps
    assert running() == {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from tiktok_shop.livestreams").fetchall() == [(5,)]


def test_a_killed_child_fails_only_its_provider_in_one_line(
    warehouse: Path, sandbox: SandboxServer
) -> None:
    sandbox.set_knobs("tiktok_shop", latency_ms=3000)  # long enough to be killed mid-fetch
    outcomes: list[RunOutcome] = []
    run = threading.Thread(
        target=lambda: outcomes.append(materialize(["tiktok_shop", "trovo"], DAY, DAY))
    )
    run.start()
    deadline = time.monotonic() + 120
    while "lsw-tiktok_shop" not in running() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(running()["lsw-tiktok_shop"], signal.SIGKILL)
    run.join(timeout=240)
    [outcome] = outcomes
    assert outcome.failures == [
        "tiktok_shop: the process loading it ended before it finished (killed by SIGKILL); its "
        "days are not recorded as loaded, and the next run reads them again"
    ]
    assert AssetKey(["trovo", "followers"]) in outcome.materialized
    assert AssetKey(["tiktok_shop", "livestreams"]) not in outcome.materialized


def test_a_provider_that_ends_first_leaves_the_runs_folder_to_the_others(tmp_path: Path) -> None:
    from dagster_project.dlt_run import TURN, _clean_up
    from dagster_project.resources import Warehouse, remove_working_dir

    warehouse = Warehouse(path=str(tmp_path / "warehouse.duckdb"), state_dir=str(tmp_path))
    folder = warehouse.working_dir("run1")
    (folder / "lsw_lisa").mkdir(parents=True)
    (folder / TURN).touch()  # Firework's process has made the folder and holds the turn
    _clean_up(warehouse, "run1", "lisa")  # LiSA failed at once
    assert sorted(p.name for p in folder.iterdir()) == [TURN]

    config = {"resources": {"warehouse": {"config": {"state_dir": str(tmp_path)}}}}
    remove_working_dir(config, "run1")  # the run has ended
    assert not folder.exists()
