"""The LiSA source against the sandbox, loaded through real dlt pipelines into DuckDB files."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from pipelines.config import read_config
from pipelines.lisa.settings import LisaConfig
from sandbox import SandboxConfig, SandboxServer
from sandbox.providers.lisa import LisaService
from tests.conftest import FROZEN_AT

FAST = {"timeout_s": 5, "max_attempts": 3, "backoff_s": 0.01, "backoff_max_s": 0.05}


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def service(sandbox: SandboxServer) -> LisaService:
    svc = sandbox.runtime.services["lisa"]
    assert isinstance(svc, LisaService)
    return svc


def config(sandbox: SandboxServer, **overrides: Any) -> LisaConfig:
    """The sandbox's configuration as dlt resolves it, with fast retries and ``overrides``."""
    env = sandbox.env()
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        resolved = read_config(LisaConfig)
    assert resolved is not None and sandbox.url in resolved.base_url
    for key, value in {**FAST, **overrides}.items():
        setattr(resolved, key, value)
    return resolved


def expected_window(
    sandbox: SandboxServer, start: datetime, end: datetime
) -> tuple[set[str], set[str]]:
    """(show ids, stream ids) of [start, end), read off the sandbox's world: a stream by its
    start, a show with a stream in the window or, never streamed, scheduled in it."""
    shows, streams = set(), set()
    for show in service(sandbox).visible_shows():
        inside = [s["id"] for s in show["streams"] if start <= at(s["start"]) < end]
        streams.update(inside)
        if inside or (not show["streams"] and start <= at(show["date"]) < end):
            shows.add(show["id"])
    return shows, streams


def pages_for(count: int) -> int:
    """Pages of 100 a listing of ``count`` items takes (an empty one is one page)."""
    return max(1, math.ceil(count / 100))


class Warehouse:
    """A dlt pipeline into a DuckDB file in tmp_path, and reads of what it holds."""

    def __init__(self, root: Path) -> None:
        self.file = root / "w.duckdb"
        self.pipeline = dlt.pipeline(
            "lisa_test",
            destination=dlt.destinations.duckdb(str(self.file)),
            dataset_name="lisa",
            pipelines_dir=str(root / "dlt"),
        )

    def run(self, source: Any) -> None:
        self.pipeline.run(source, loader_file_format="parquet")

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        if not self.file.exists():
            return []
        with duckdb.connect(str(self.file), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def ids(self, table: str, column: str) -> set[str]:
        found = self.rows(
            "select 1 from information_schema.tables where table_schema = 'lisa' "
            "and table_name = ?",
            [table],
        )
        if not found:
            return set()
        values = [r[0] for r in self.rows(f'select "{column}" from lisa."{table}"')]
        assert len(values) == len(set(values)), f"duplicate {table}.{column}"
        return set(values)

    def marks(self) -> dict[str, str]:
        state = self.pipeline.state.get("sources", {}).get("lisa", {})
        return dict(state.get("modified_since", {}))


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """The shared test world (seed 7, scale 1, 30 days, FROZEN_AT) with LiSA alone: a third
    of the start-up time of all five providers."""
    world = SandboxConfig(seed=7, scale=1, days=30, frozen_at=FROZEN_AT, providers=["lisa"])
    with SandboxServer(world) as server:
        yield server


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path)
