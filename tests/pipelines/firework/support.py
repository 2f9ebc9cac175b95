"""What the Firework source tests share: the sandbox world, the config, a DuckDB pipeline."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.sources import DltSource

from pipelines.config import read_config
from pipelines.firework import FireworkConfig
from sandbox import SandboxServer
from sandbox.providers.firework import FireworkService
from sandbox.providers.firework.service import DEFAULT_CLIENT_SECRET
from sandbox.providers.firework.world import Livestream

FAST = {
    "timeout_s": 5,
    "max_attempts": 3,
    "backoff_s": 0.01,
    "backoff_max_s": 0.05,
    "retry_after_max_s": 0.05,
}
SECRET = DEFAULT_CLIENT_SECRET
TABLES = ("livestreams", "products", "product_units", "product_images")


def service(sandbox: SandboxServer) -> FireworkService:
    svc = sandbox.runtime.services["firework"]
    assert isinstance(svc, FireworkService)
    return svc


def config(sandbox: SandboxServer, **overrides: Any) -> FireworkConfig:
    """The sandbox's configuration as dlt resolves it, with fast retries and ``overrides``."""
    resolved = read_config(FireworkConfig)
    assert resolved is not None and sandbox.url in resolved.base_url
    for key, value in {**FAST, **overrides}.items():
        setattr(resolved, key, value)
    return resolved


def pipeline(tmp_path: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        "fw",
        destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
        dataset_name="firework",
        pipelines_dir=str(tmp_path / "dlt"),
    )


def run(tmp_path: Path, source: DltSource) -> None:
    pipeline(tmp_path).run(source, loader_file_format="parquet")


def rows(tmp_path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def tables(tmp_path: Path) -> set[str]:
    return {
        name
        for (name,) in rows(
            tmp_path,
            "select table_name from information_schema.tables where table_schema = 'firework'",
        )
    }


def scheduled_in(svc: FireworkService, start: datetime, end: datetime) -> list[Livestream]:
    """Our livestreams scheduled in [start, end) that answer now, by slot time."""
    lo, hi = start.timestamp(), end.timestamp()
    return [
        ls for ls in svc.livestreams() if ls.scheduled_at is not None and lo <= ls.scheduled_at < hi
    ]


def window_ids(svc: FireworkService, start: datetime, end: datetime) -> list[str]:
    """The window's livestreams and the deleted one: a short list for tests about one window."""
    ids = [ls.id for ls in scheduled_in(svc, start, end)]
    return [*ids[:1], svc.missing_livestream_id, *ids[1:]]
