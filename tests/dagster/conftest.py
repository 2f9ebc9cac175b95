"""A temp warehouse, state dir and Dagster instance per test, wired the way `lsw` wires them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsw import paths
from sandbox import SandboxServer


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
        monkeypatch.setenv(key, __import__("os").environ[key])
    return target
