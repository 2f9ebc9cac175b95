"""Every dagster.yaml in deploy/ loads as Dagster loads it: the PostgreSQL and Docker ones as
whole instances on a real PostgreSQL server, the Kubernetes one through the K8sRunLauncher's
own config schema and constructor; and docker-compose.yaml agrees with them."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import yaml
from dagster import DagsterInstance
from dagster._config import process_config, resolve_to_config_type
from dagster._core.instance.ref import InstanceRef
from dagster._core.launcher import DefaultRunLauncher
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_docker import DockerRunLauncher
from dagster_k8s import K8sRunLauncher
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from lsw.errors import UsageError
from lsw.runner import _instance
from lsw.ui import child_env
from warehouse.paths import DAGSTER_YAML

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PER_PROVIDER = [{"key": "lsw/provider", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}]
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
"""


def _home(tmp_path: Path, source: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(source, home / "dagster.yaml")
    return home


def _tables(url: str) -> set[str]:
    con = psycopg2.connect(url)
    try:
        with con.cursor() as cur:
            cur.execute("select table_name from information_schema.tables")
            return {row[0] for row in cur.fetchall()}
    finally:
        con.close()


def _with_password(url: str) -> str:
    """The same database with the driver named, as the deploy files ask, and a password
    (the test server trusts loopback, so any will do)."""
    return url.replace("postgresql://lsw@", "postgresql+psycopg2://lsw:pg-s3cret-9@")


@pytest.mark.parametrize("name", ["postgres", "docker"])
def test_instance_stores_everything_in_postgres_from_the_environment(
    name: str, tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSW_DAGSTER_PG_URL", _with_password(postgres_url))
    home = _home(tmp_path, DEPLOY / name / "dagster.yaml")
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        coordinator = instance.run_coordinator
        assert isinstance(coordinator, QueuedRunCoordinator)
        assert coordinator.get_run_queue_config().tag_concurrency_limits == PER_PROVIDER
        assert coordinator.get_run_queue_config().max_concurrent_runs == 10
        launcher = instance.run_launcher
        if name == "postgres":
            assert isinstance(launcher, DefaultRunLauncher)
        else:
            assert isinstance(launcher, DockerRunLauncher)
            assert launcher.networks == ["lsw"]
            assert launcher.container_kwargs["volumes"] == [
                "lsw-data:/data",
                "lsw-config:/config:ro",
            ]
            assert "LSW_DAGSTER_PG_URL" in launcher.env_vars
        assert instance.get_runs() == []
    assert {"runs", "event_logs", "jobs", "job_ticks", "asset_keys"} <= _tables(postgres_url)
    assert not list(home.glob("**/*.db"))  # nothing went to SQLite


def test_kubernetes_launcher_config_is_valid_for_dagster_k8s(tmp_path: Path) -> None:
    document = yaml.safe_load((DEPLOY / "k8s" / "dagster.yaml").read_text())
    assert document["storage"] == {"postgres": {"postgres_url": {"env": "LSW_DAGSTER_PG_URL"}}}
    assert document["run_coordinator"]["config"]["tag_concurrency_limits"] == PER_PROVIDER
    launcher = document["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    schema = resolve_to_config_type(K8sRunLauncher.config_type())
    checked = process_config(schema, launcher["config"])
    assert checked.success, checked.errors
    # a typo in a key is refused by the same schema
    assert not process_config(schema, {**launcher["config"], "volume_mount": []}).success
    # and the launcher accepts it (outside a cluster: a kubeconfig, never contacted)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    value: dict[str, Any] = {
        **(checked.value or {}),
        "load_incluster_config": False,
        "kubeconfig_file": str(kubeconfig),
    }
    k8s = K8sRunLauncher(**value)
    assert k8s.instance_config_map == "lsw-dagster-instance"
    assert k8s.env_secrets == ["lsw-env"]
    assert k8s.volume_mounts == [{"name": "lsw-state", "mountPath": "/data"}]


def test_compose_wires_the_image_workspace_and_instance_together() -> None:
    folder = DEPLOY / "docker"
    compose = yaml.safe_load((folder / "docker-compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "code", "webserver", "daemon"}
    workspace = yaml.safe_load((folder / "workspace.yaml").read_text())
    grpc = workspace["load_from"][0]["grpc_server"]
    code_command = services["code"]["command"]
    assert code_command[:3] == ["dagster", "code-server", "start"]
    assert (grpc["host"], str(grpc["port"])) == ("code", code_command[code_command.index("-p") + 1])
    for service in ("webserver", "daemon"):
        command = services[service]["command"]
        assert command[command.index("-w") + 1] == "workspace.yaml"
    for service in ("code", "webserver", "daemon"):
        assert "LSW_DAGSTER_PG_URL" in services[service]["environment"]
        assert services[service]["networks"] == ["lsw"]
    instance = yaml.safe_load((folder / "dagster.yaml").read_text())
    launcher = instance["run_launcher"]["config"]
    assert compose["networks"]["lsw"]["name"] == launcher["network"]
    named = {v["name"] for v in compose["volumes"].values() if v and "name" in v}
    assert {mount.split(":")[0] for mount in launcher["container_kwargs"]["volumes"]} <= named
    # the image copies what exists, and what the compose file expects where it expects it
    dockerfile = (folder / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    assert "COPY deploy/docker/dagster.yaml /opt/dagster/home/dagster.yaml" in dockerfile
    assert "COPY deploy/docker/workspace.yaml /app/workspace.yaml" in dockerfile
    assert "uv sync --frozen" in dockerfile


def test_lsw_ui_keeps_a_users_dagster_yaml_in_the_default_home(tmp_path: Path) -> None:
    """`lsw ui` from the repository folder leaves the repository's SQLite dagster.yaml to
    `dagster dev` only while the default home holds lsw's own default; a PostgreSQL one there
    is the instance, as for `lsw run`."""
    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    home = tmp_path / "data" / ".lsw" / "dagster"
    home.mkdir(parents=True)
    environ = {"DAGSTER_HOME": str(home), "PATH": "/usr/bin"}
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    assert "DAGSTER_HOME" not in child_env(environ, tmp_path)
    shutil.copy(DEPLOY / "postgres" / "dagster.yaml", home / "dagster.yaml")
    assert child_env(environ, tmp_path)["DAGSTER_HOME"] == str(home)


def test_a_url_without_the_driver_is_one_line_or_works(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """postgresql:// means psycopg 3 to SQLAlchemy: without it installed, `lsw run` names the
    file and the fix in one line; with it, the URL simply works."""
    home = _home(tmp_path, DEPLOY / "postgres" / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("LSW_DAGSTER_PG_URL", postgres_url)
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "0")  # whatever _instance() sets is undone
    if importlib.util.find_spec("psycopg") is None:
        with pytest.raises(UsageError) as raised:
            _instance()
        assert str(raised.value) == (
            f"{home / 'dagster.yaml'}: a PostgreSQL URL written postgresql:// needs the psycopg 3 "
            "driver, which lsw does not install; write postgresql+psycopg2://... "
            "(docs/scale-out.md)"
        )
    else:
        instance = _instance()
        assert isinstance(instance.run_storage, PostgresRunStorage)
        instance.dispose()


@pytest.mark.parametrize("storage", ["postgres", "lsw-sqlite", "dagster-sqlite"])
def test_lsw_batches_materialisation_events_where_the_storage_writes_a_batch_at_once(
    storage: str, tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's event log and lsw's SQLite storage write a batch at once, Dagster's own
    SQLite storage one by one: `lsw run` turns batching on for the first two alone, and
    leaves a value the user set alone."""
    home = tmp_path / "home"
    if storage == "postgres":
        home = _home(tmp_path, DEPLOY / "postgres" / "dagster.yaml")
    elif storage == "lsw-sqlite":
        home.mkdir()
        (home / "dagster.yaml").write_text(DAGSTER_YAML)
    else:
        home.mkdir()
        (home / "dagster.yaml").write_text(
            "storage:\n  sqlite:\n    base_dir:\n      env: DAGSTER_HOME\n"
        )
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("LSW_DAGSTER_PG_URL", _with_password(postgres_url))
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "0")  # so the end of the test restores it
    monkeypatch.delenv("DAGSTER_EVENT_BATCH_SIZE")
    _instance().dispose()
    expected = None if storage == "dagster-sqlite" else "1000"
    assert os.environ.get("DAGSTER_EVENT_BATCH_SIZE") == expected
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "50")
    _instance().dispose()
    assert os.environ["DAGSTER_EVENT_BATCH_SIZE"] == "50"
