"""Fixtures shared by every test: a real provider sandbox on loopback and temp warehouses."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sandbox import SandboxConfig, SandboxServer
from tests.postgres import Cluster, cluster
from warehouse import paths

# Every test world is frozen at this instant, so hand-checked figures never drift.
FROZEN_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture(autouse=True)
def _token_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test keeps its tokens in its own temp directory, never in the user's store (nor
    in the user's shared state database: tests that want one set ``LSW_STATE_URL`` themselves)."""
    monkeypatch.setenv("LSW_TOKEN_DIR", str(tmp_path / "state" / "tokens"))
    monkeypatch.delenv("LSW_STATE_URL", raising=False)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A fresh sandbox (seed 7, scale 1, 30 days) with its clock frozen at FROZEN_AT."""
    with SandboxServer(SandboxConfig(seed=7, scale=1, days=30, frozen_at=FROZEN_AT)) as server:
        yield server


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer) -> Path:
    """The warehouse path, with the sandbox's SOURCES__ variables in the environment."""
    for key in ("LSW_WAREHOUSE", "LSW_STATE_DIR", "DAGSTER_HOME"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LSW_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__BACKOFF_S", "0.01")
    target = paths.prepare()
    # prepare() exported these; register them so monkeypatch restores the old values
    for key in ("LSW_STATE_DIR", "DAGSTER_HOME"):
        monkeypatch.setenv(key, os.environ[key])
    return target


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One real PostgreSQL server per test process (tests/postgres.py); never skipped."""
    folder = Path(tempfile.mkdtemp(prefix="lsw-pg-"))
    with cluster(folder) as running:
        yield running


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """The URL of a fresh, empty database on the session's server, for this test alone."""
    return postgres_cluster.create_database()
