"""What every Trovo test shares: the sandbox's configuration, its clock, real DuckDB loads.

The conftest world (seed 7, frozen at 2026-11-20 12:00 UTC; tests/sandbox/test_trovo_world.py):
ids[3] LeafHawk streams 13:09:44-14:24:11 that day (9083 followers at noon), ids[2]
TangoBeats 16:15:08-19:05:21 (4399 followers), ids[0] YukiHawk owns the configured token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from dlt.sources import DltSource

from pipelines.config import read_config
from pipelines.trovo import helpers
from pipelines.trovo.settings import TrovoConfig
from sandbox import SandboxServer
from sandbox.providers.trovo.world import World

FAST = {"timeout_s": 2, "max_attempts": 3, "backoff_s": 0.01, "backoff_max_s": 0.05}


@pytest.fixture(autouse=True)
def trovo_env(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The sandbox's SOURCES__ variables, a private state directory (token store, shared
    rate-limit counts), and observed_at read off the sandbox's clock."""
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LSW_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(
        helpers, "observed_now", lambda: datetime.fromtimestamp(sandbox.runtime.clock.now(), UTC)
    )
    # a clock patched in this process reaches a provider's work only in the step's thread
    # (dagster_project/provider_process.py)
    monkeypatch.setenv("LSW_PROVIDER_PROCESSES", "0")


def trovo_config(**overrides: Any) -> TrovoConfig:
    """The sandbox's configuration as dlt resolves it, with fast retries and ``overrides``."""
    config = read_config(TrovoConfig)
    assert config is not None
    for key, value in {**FAST, **overrides}.items():
        setattr(config, key, value)
    return config


def world(sandbox: SandboxServer) -> World:
    return sandbox.runtime.services["trovo"].world  # type: ignore[attr-defined]


def channel_ids(sandbox: SandboxServer) -> list[str]:
    return [c.channel_id for c in world(sandbox).own]


@dataclass
class Loaded:
    """A DuckDB file a test loaded into, and a way to read it."""

    path: Path

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def tables(self) -> set[str]:
        found = self.rows(
            "select table_name from information_schema.tables where table_schema = 'trovo'"
        )
        return {name for (name,) in found}


@pytest.fixture
def load(tmp_path: Path) -> Iterator[Any]:
    """``load(source)`` runs a Trovo source into one DuckDB file (the same one each call)."""
    target = Loaded(tmp_path / "w.duckdb")
    pipeline = dlt.pipeline(
        "trovo_test",
        destination=dlt.destinations.duckdb(str(target.path)),
        dataset_name="trovo",
        pipelines_dir=str(tmp_path / "dlt"),
    )

    def run(source: DltSource) -> Loaded:
        pipeline.run(source, loader_file_format="parquet")
        return target

    yield run
