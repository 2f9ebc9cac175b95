"""What every Shopee source test needs: the sandbox's configuration, a token store, and a
dlt pipeline into a real DuckDB file, all in the test's own temp directory."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from pipelines.config import read_config
from pipelines.report import RunReport
from pipelines.shopee import shopee_source
from pipelines.shopee.settings import ShopeeConfig
from pipelines.tokens import FileTokenStore
from sandbox import SandboxServer
from sandbox.providers.shopee import ShopeeService
from tests.conftest import FROZEN_AT

FAST = {"timeout_s": 5, "max_attempts": 3, "backoff_s": 0.01, "backoff_max_s": 0.05}


def day(d: int) -> datetime:
    return datetime(2026, 11, d, tzinfo=UTC)


@pytest.fixture
def service(sandbox: SandboxServer) -> ShopeeService:
    shopee = sandbox.runtime.services["shopee"]
    assert isinstance(shopee, ShopeeService)
    return shopee


@pytest.fixture
def env(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Exports the sandbox's SOURCES__SHOPEE__ variables (call again after changing options
    that change them); this machine's clock is offset to the sandbox's frozen one."""

    def export() -> None:
        for key, value in sandbox.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("SOURCES__SHOPEE__CLOCK_OFFSET_S", str(FROZEN_AT - time.time()))

    export()
    return export


def config(**overrides: Any) -> ShopeeConfig:
    """``sources.shopee`` as dlt resolves it from the environment, with fast retries."""
    resolved = read_config(ShopeeConfig)
    assert resolved is not None
    for key, value in {**FAST, **overrides}.items():
        setattr(resolved, key, value)
    return resolved


@pytest.fixture
def store(tmp_path: Path) -> FileTokenStore:
    return FileTokenStore(tmp_path / "tokens")


class Warehouse:
    """A DuckDB file loaded by the Shopee source through a real dlt pipeline."""

    def __init__(self, folder: Path, sandbox: SandboxServer, store: FileTokenStore) -> None:
        self.file = folder / "w.duckdb"
        self.folder = folder
        self.sandbox = sandbox
        self.store = store

    def load(
        self, start: datetime, end: datetime, cfg: ShopeeConfig | None = None, **kw: Any
    ) -> RunReport:
        report = RunReport("shopee")
        pipeline = dlt.pipeline(
            "shopee_test",
            destination=dlt.destinations.duckdb(str(self.file)),
            dataset_name="shopee",
            pipelines_dir=str(self.folder / "dlt"),
        )
        kw.setdefault("store", self.store)
        kw.setdefault("clock", self.sandbox.runtime.clock.now)
        source = shopee_source(cfg or config(), start, end, report, **kw)
        pipeline.run(source, loader_file_format="parquet")
        return report

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.file), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def tables(self) -> set[str]:
        got = self.rows(
            "select table_name from information_schema.tables where table_schema = ?", "shopee"
        )
        return {name for (name,) in got}


@pytest.fixture
def warehouse_file(
    tmp_path: Path, sandbox: SandboxServer, store: FileTokenStore, env: Any
) -> Warehouse:
    return Warehouse(tmp_path, sandbox, store)


def anchor(service: ShopeeService, session_id: int) -> int:
    """The unix second that dates a session: its start once started, else its creation."""
    s = service.sessions[session_id]
    now_ms = int(service.ctx.clock.now() * 1000)
    return (s.start_ms if s.status(now_ms) >= 1 and s.start_ms else s.create_ms) // 1000


def pages(items: int) -> int:
    return max(1, math.ceil(items / 100))
