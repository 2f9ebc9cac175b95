"""The Dagster UI as a user reaches it: in a project folder, `lsw sandbox --write-config`,
`lsw run`, then `dagster dev -w workspace.yaml` and `lsw ui` as real processes, asked over
GraphQL as the browser asks. A run launched the way the UI launches one (queued, picked up by
the daemon, run in its own process, its steps in threads of it) loads the same warehouse with
the same configuration, and shows in the same instance as the CLI's runs."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.instance.ref import InstanceRef

from dagster_project.defs.marts.checks import check_specs
from pipelines.registry import SPECS

ROOT = Path(__file__).resolve().parents[2]
LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()

LOCATION = """
query {
  workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
  } } }
}"""
ASSETS = """
query {
  assetNodes {
    assetKey { path } description
    assetChecksOrError { ... on AssetChecks { checks { name } } }
  }
}"""
SCHEDULES = """
query($selector: RepositorySelector!) {
  schedulesOrError(repositorySelector: $selector) {
    ... on Schedules { results { name scheduleState { status } } }
  }
  sensorsOrError(repositorySelector: $selector) {
    ... on Sensors { results { name sensorState { status } } }
  }
}"""
LAUNCH = """
mutation($params: ExecutionParams!) {
  launchPipelineExecution(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""
RUN = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
RUNS = "query { runsOrError { ... on Runs { results { runId tags { key value } } } } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A user's folder with the repository's dagster.yaml and workspace.yaml, a sandbox
    written into its .dlt/, and an environment holding none of lsw's variables."""
    for name in ("dagster.yaml", "workspace.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOURCES__", "LSW_WAREHOUSE", "LSW_STATE_DIR", "DAGSTER_HOME"))
    }
    with _process([*LSW, "sandbox", "--port", "0", "--write-config"], tmp_path, env):
        secrets = tmp_path / ".dlt" / "secrets.toml"
        _wait(lambda: secrets.is_file(), "the sandbox never wrote .dlt/secrets.toml")
        assert secrets.stat().st_mode & 0o777 == 0o600
        yield tmp_path, env


@contextmanager
def _process(
    command: list[str], cwd: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    log = (cwd / f"{Path(command[-1]).name}-{len(list(cwd.glob('*.log')))}.log").open("wb")
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # so the webserver, daemon and code server all stop with it
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _wait(ready: Any, what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = ready()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(what)


def _graphql(port: int, query: str, **variables: Any) -> dict[str, Any]:
    answer = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": query, "variables": variables},
        timeout=30,
    )
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    assert "errors" not in body, body
    return dict(body["data"])


def _loaded(port: int) -> dict[str, Any] | None:
    entries = _graphql(port, LOCATION)["workspaceOrError"]["locationEntries"]
    if entries and entries[0]["loadStatus"] == "LOADED":
        return dict(entries[0])
    return None


@pytest.mark.timeout(600)
def test_ui_loads_the_project_and_runs_on_the_clis_instance_and_warehouse(
    project: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, env = project
    cli = subprocess.run(
        [*LSW, "run", "--start", YESTERDAY, "--end", YESTERDAY, "-p", "tiktok_shop"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert cli.returncode == 0, cli.stderr
    warehouse = folder / "data" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cli_rows = con.execute("select count(*) from tiktok_shop.livestreams").fetchall()[0][0]
    assert cli_rows > 0

    port = _free_port()
    command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-p", str(port)]
    with _process(command, folder, env):
        entry = _wait(lambda: _loaded(port), "the code location never loaded", timeout=180)
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation"
        selector = {"repositoryLocationName": entry["name"], "repositoryName": "__repository__"}

        nodes = _graphql(port, ASSETS)["assetNodes"]
        keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert {f"{p}/{r}" for p, s in SPECS.items() for r in s.resources} <= keys
        assert "marts/fct_sessions" in keys and all(n["description"] for n in nodes)
        checks = {
            ("/".join(n["assetKey"]["path"]), c["name"])
            for n in nodes
            for c in (n["assetChecksOrError"].get("checks") or [])
        }
        assert checks == {(s.asset_key.to_user_string(), s.name) for s in check_specs()}

        automation = _graphql(port, SCHEDULES, selector=selector)
        schedules = {
            s["name"]: s["scheduleState"]["status"]
            for s in automation["schedulesOrError"]["results"]
        }
        assert schedules["tiktok_shop__daily"] == "RUNNING"
        assert set(schedules) >= {f"{p}__daily" for p in SPECS}
        sensors = {s["name"] for s in automation["sensorsOrError"]["results"]}
        assert "marts__follow_loads" in sensors

        # the CLI's run is in the UI's history
        runs = _graphql(port, RUNS)["runsOrError"]["results"]
        assert any({"key": "lsw/command", "value": "run"} in r["tags"] for r in runs)

        # a partition materialised from the UI: queued, launched by the daemon in a process
        with duckdb.connect(str(warehouse)) as con:
            con.execute("delete from tiktok_shop.livestreams")
        launched = _graphql(
            port,
            LAUNCH,
            params={
                "selector": {
                    **selector,
                    "pipelineName": "__ASSET_JOB",
                    "assetSelection": [{"path": ["tiktok_shop", "livestreams"]}],
                },
                "mode": "default",
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": YESTERDAY}]},
            },
        )["launchPipelineExecution"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        status = _wait(
            lambda: (
                (s := _graphql(port, RUN, id=run_id)["runOrError"]["status"])
                in ("SUCCESS", "FAILURE", "CANCELED")
                and s
            ),
            "the UI's run never finished",
            timeout=240,
        )
        assert status == "SUCCESS"

    # the same warehouse, loaded again from .dlt/ alone; the same instance as the CLI's
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ui_rows = con.execute("select count(*) from tiktok_shop.livestreams").fetchall()[0][0]
    assert ui_rows == cli_rows
    home = folder / "data" / ".lsw" / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # lsw's dagster.yaml names its storage by it
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == DagsterRunStatus.SUCCESS
        # its steps ran in threads of the run's process (lsw's executor), not a process each
        engine = instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)
        messages = [entry.user_message for entry in engine]
        assert any(m.startswith("Executing steps in threads") for m in messages), messages


@pytest.mark.timeout(300)
def test_lsw_ui_serves_on_the_host_and_port_asked_for(
    project: tuple[Path, dict[str, str]],
) -> None:
    folder, env = project
    port = _free_port()
    with _process([*LSW, "ui", "--host", "127.0.0.1", "--port", str(port)], folder, env) as ui:
        entry = _wait(lambda: _loaded(port), "lsw ui never loaded the code location", 180)
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation"
        assert ui.poll() is None
    assert (folder / "data" / ".lsw" / "dagster").is_dir()
