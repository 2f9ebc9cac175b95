"""`lsw run` on a PostgreSQL-backed Dagster instance: a user's dagster.yaml in DAGSTER_HOME
(deploy/postgres/dagster.yaml) is the instance the CLI records its run in, untouched, and a
second process sees the run, its tags and its materialisations there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus
from dagster._core.instance.ref import InstanceRef

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-11-19"
LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]


def test_lsw_run_records_its_run_in_the_users_postgres_instance(
    warehouse: Path, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster-pg"
    home.mkdir()
    shipped = (ROOT / "deploy" / "postgres" / "dagster.yaml").read_text()
    shutil.copy(ROOT / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(
        "LSW_DAGSTER_PG_URL", postgres_url.replace("postgresql://", "postgresql+psycopg2://")
    )
    cli = subprocess.run(
        [*LSW, "run", "--start", DAY, "--end", DAY, "-p", "tiktok_shop", "--quiet"],
        env=dict(os.environ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert cli.returncode == 0, cli.stderr
    assert (home / "dagster.yaml").read_text() == shipped
    assert not list(home.glob("**/*.db"))  # nothing went to SQLite

    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        [run] = instance.get_runs()
        run_id = run.run_id
        assert run.status == DagsterRunStatus.SUCCESS
        assert run.tags["lsw/provider"] == "tiktok_shop"
        assert run.tags["lsw/command"] == "run"
        events = instance.fetch_materializations(
            AssetKey(["tiktok_shop", "livestreams"]), limit=10
        ).records
        assert [(e.partition_key, e.run_id) for e in events] == [(DAY, run_id)]
        materialization = events[0].asset_materialization
        assert materialization is not None
        counted = int(materialization.metadata["dagster/row_count"].value)  # type: ignore[arg-type]
        marts = instance.fetch_materializations(AssetKey(["marts", "fct_sessions"]), limit=10)
        assert [(e.partition_key, e.run_id) for e in marts.records] == [(DAY, run_id)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from tiktok_shop.livestreams").fetchall()[0][0]
    assert rows == counted > 0
