"""Dagster deployed as a team runs it: a gRPC code server, the webserver and the daemon as
three processes on one PostgreSQL-backed instance (deploy/postgres/dagster.yaml as shipped).
Two runs of one provider are submitted through the webserver's GraphQL, as the UI submits
them; the daemon's queue starts one, in a process the code server starts, against the
sandbox, and holds the other (one run per provider) until it is canceled; this process then
reads the runs and the materialisation from PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg2
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.errors import DagsterUserCodeUnreachableError
from dagster._core.instance.ref import InstanceRef
from dagster._grpc.client import DagsterGrpcClient
from dagster._grpc.types import ListRepositoriesResponse
from dagster._serdes import deserialize_value

from tests.dagster_project.test_ui import LAUNCH, RUN, _free_port, _graphql, _wait

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DAYS = ["2026-11-18", "2026-11-19"]  # within the sandbox's frozen history
LOCATION = "lsw"
RELOAD = """
mutation($name: String!) {
  reloadRepositoryLocation(repositoryLocationName: $name) {
    ... on WorkspaceLocationEntry { locationOrLoadError { __typename } }
  }
}"""
CANCEL = "mutation($id: String!) { terminateRun(runId: $id) { __typename } }"
WORKSPACE = """load_from:
  - grpc_server:
      host: 127.0.0.1
      port: {port}
      location_name: lsw
"""


@contextmanager
def _started(
    folder: Path, env: dict[str, str], *commands: list[str]
) -> Iterator[Callable[[list[str]], None]]:
    """The commands as processes, each with a log in ``folder``; all stopped at once."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: list[str]) -> None:
        log = folder / f"{Path(command[0]).name}.log"
        with log.open("wb") as out:  # the child keeps its own descriptor
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=folder,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its run workers stop with it
                )
            )

    for command in commands:
        start(command)
    try:
        yield start
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGKILL)
        for process in processes:
            process.wait()


def _ticks(url: str) -> int:
    con = psycopg2.connect(url)
    try:
        with con.cursor() as cur:
            cur.execute("select count(*) from job_ticks")
            return int(cur.fetchone()[0])
    finally:
        con.close()


def _code_ready(port: int) -> bool:
    """The code server has loaded the definitions (it answers before it has)."""
    try:
        answer = DagsterGrpcClient(port=port, host="127.0.0.1").list_repositories()
    except DagsterUserCodeUnreachableError:
        return False
    return isinstance(deserialize_value(answer), ListRepositoriesResponse)


def _launch(port: int, day: str) -> str:
    launched = _graphql(
        port,
        LAUNCH,
        params={
            "selector": {
                "repositoryLocationName": LOCATION,
                "repositoryName": "__repository__",
                "pipelineName": "tiktok_shop__daily_job",
            },
            "mode": "default",  # its steps run in threads of the run's process (lsw's executor)
            "executionMetadata": {
                "tags": [
                    {"key": "dagster/asset_partition_range_start", "value": day},
                    {"key": "dagster/asset_partition_range_end", "value": day},
                ]
            },
        },
    )["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return str(launched["run"]["runId"])


def _status(port: int, run_id: str) -> str:
    return str(_graphql(port, RUN, id=run_id)["runOrError"]["status"])


def _one_in_progress(port: int, run_ids: list[str]) -> list[str] | None:
    """Once a run is running, both runs' states: "in progress" for it, the other's status."""
    statuses = [_status(port, run_id) for run_id in run_ids]
    if "STARTED" not in statuses:
        return None
    return ["in progress" if s == "STARTED" else s for s in statuses]


def _reloaded(port: int) -> bool:
    """The webserver started before the code server answered: it loads the location again."""
    entry = _graphql(port, RELOAD, name=LOCATION)["reloadRepositoryLocation"]
    return bool(entry.get("locationOrLoadError", {}).get("__typename") == "RepositoryLocation")


@pytest.mark.timeout(300)
def test_code_server_webserver_and_daemon_on_postgres_queue_runs_per_provider(
    warehouse: Path, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster-pg"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(
        "LSW_DAGSTER_PG_URL", postgres_url.replace("postgresql://", "postgresql+psycopg2://")
    )
    env = {  # TikTok Shop alone is configured: the other schedules skip
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SOURCES__") or k.startswith("SOURCES__TIKTOK_SHOP__")
    }
    env["DAGSTER_EVENT_BATCH_SIZE"] = "1000"  # as deploy/ recommends for PostgreSQL
    grpc_port, web_port = _free_port(), _free_port()
    (tmp_path / "workspace.yaml").write_text(WORKSPACE.format(port=grpc_port))
    code_server = [
        *(str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1", "-p", str(grpc_port)),
        *("-m", "dagster_project.definitions", "--location-name", LOCATION),
    ]
    webserver = [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-p", str(web_port)]
    daemon = [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"]

    with _started(tmp_path, env, code_server, webserver) as start:
        _wait(lambda: _code_ready(grpc_port), "the code server never loaded", timeout=180)
        start(daemon)  # after the code server answers: it reads the workspace once a minute
        _wait(lambda: _reloaded(web_port), "the webserver never loaded the code", 180)
        run_ids = [_launch(web_port, day) for day in DAYS]
        # the queue starts one; the other waits while it is in progress
        seen = _wait(lambda: _one_in_progress(web_port, run_ids), "no run started", 180)
        assert sorted(seen) == ["QUEUED", "in progress"]
        waiting = run_ids[seen.index("QUEUED")]
        # no longer needed: canceled while queued, it never starts a process
        assert _graphql(web_port, CANCEL, id=waiting)["terminateRun"]["__typename"] == (
            "TerminateRunSuccess"
        )
        started = run_ids[seen.index("in progress")]
        final = _wait(
            lambda: (s := _status(web_port, started)) in ("SUCCESS", "FAILURE") and s,
            "the run never finished",
            timeout=240,
        )
        assert final == "SUCCESS"
        assert _status(web_port, waiting) == "CANCELED"
        # the daemon's sensors tick into the same database (live_landing: nothing to drain)
        _wait(lambda: _ticks(postgres_url), "no sensor tick was recorded", timeout=90)

    # another process (this one) reads what the run worker recorded in PostgreSQL
    day = DAYS[run_ids.index(started)]
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        runs = {run.run_id: run for run in instance.get_runs(RunsFilter(run_ids=run_ids))}
        assert runs[started].status == DagsterRunStatus.SUCCESS
        assert runs[waiting].status == DagsterRunStatus.CANCELED
        for run in runs.values():  # the schedules' job carries the tag the queue limits
            assert run.tags["lsw/provider"] == "tiktok_shop"
        events = instance.fetch_materializations(
            AssetKey(["tiktok_shop", "livestreams"]), limit=10
        ).records
        assert [(e.partition_key, e.run_id) for e in events] == [(day, started)]
        materialization = events[0].asset_materialization
        assert materialization is not None
        counted = int(materialization.metadata["dagster/row_count"].value)  # type: ignore[arg-type]
    assert not list(home.glob("**/*.db"))  # nothing went to SQLite
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from tiktok_shop.livestreams").fetchall()[0][0]
    assert rows == counted > 0
