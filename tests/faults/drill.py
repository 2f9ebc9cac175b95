"""What every fault drill shares: the five sources over real HTTP against the sandbox, each into
a real DuckDB file, short retries, and the comparison with a fault-free load of the same days.

"Exact" means: every raw table of every provider holds exactly the rows a run without faults
loads for the same window (dlt's own bookkeeping columns aside).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from pipelines.registry import SPECS
from pipelines.report import RunReport
from sandbox import SandboxServer
from tests.conftest import FROZEN_AT

START, END = datetime(2026, 11, 19, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)
PROVIDERS = tuple(SPECS)
# fast retries: what a drill tests is the policy, not the waiting
FAST = {
    "BACKOFF_S": "0.01",
    "BACKOFF_MAX_S": "0.02",
    "RETRY_AFTER_MAX_S": "0.02",
    "TIMEOUT_S": "2",
    "MAX_ATTEMPTS": "4",
}


def export(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    """The sandbox's SOURCES__ variables, with fast retries for every provider."""
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SOURCES__SHOPEE__CLOCK_OFFSET_S", str(FROZEN_AT - time.time()))
    for provider in PROVIDERS:
        for key, value in {**FAST, **extra}.items():
            monkeypatch.setenv(f"SOURCES__{provider.upper()}__{key}", value)


def load(
    tmp_path: Path, name: str, provider: str, start: datetime = START, end: datetime = END
) -> RunReport:
    """One historical run of ``provider`` into the warehouse ``<name>.duckdb``."""
    spec = SPECS[provider]
    config = spec.read_config()
    assert config is not None, provider
    report = RunReport(provider)
    pipeline = dlt.pipeline(
        f"{name}_{provider}",
        destination=dlt.destinations.duckdb(str(tmp_path / f"{name}.duckdb")),
        dataset_name=provider,
        pipelines_dir=str(tmp_path / "dlt"),
    )
    pipeline.run(spec.source(config, start, end, report), loader_file_format="parquet")
    return report


def contents(tmp_path: Path, name: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every provider table of the warehouse, dlt's columns left out, sorted."""
    path = tmp_path / f"{name}.duckdb"
    if not path.exists():
        return {}
    out: dict[str, list[tuple[Any, ...]]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (" + ", ".join(f"'{p}'" for p in PROVIDERS) + ") "
            "and table_name not like '\\_dlt%' escape '\\'"
        ).fetchall()
        for schema, table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by column_name",
                    [schema, table],
                ).fetchall()
                if not c.startswith("_dlt")
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {listed} from "{schema}"."{table}"').fetchall()
            out[f"{schema}.{table}"] = sorted(rows, key=repr)
    return out


def reference(tmp_path: Path, providers: tuple[str, ...] = PROVIDERS) -> dict[str, Any]:
    """A fault-free load of the window: what every drill's warehouse must end up holding."""
    for provider in providers:
        report = load(tmp_path, "reference", provider)
        assert not report.failed, report.summary()
    return contents(tmp_path, "reference")


def until_exact(tmp_path: Path, name: str, provider: str, reruns: int = 1) -> list[RunReport]:
    """A run, and a rerun while the run reported incomplete days (what Dagster would do for
    the partitions it did not record as loaded)."""
    reports = [load(tmp_path, name, provider)]
    while reports[-1].failed and len(reports) <= reruns:
        reports.append(load(tmp_path, name, provider))
    return reports


def rows(counts: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    return {table: len(r) for table, r in counts.items()}


def secrets_of(sandbox: SandboxServer, tokens: Path) -> set[str]:
    """Every credential the drills hold: configured secrets and every token stored."""
    import json

    env = sandbox.env()
    found = {
        env[k]
        for k in env
        if k.endswith(("_KEY", "_SECRET", "_TOKEN", "API_KEY")) and len(env[k]) >= 8
    }
    for account in json.loads(env["SOURCES__SHOPEE__ACCOUNTS"]):
        found.add(account["refresh_token"])
    for path in tokens.rglob("*.json"):
        record = json.loads(path.read_text())
        found |= {v for k, v in record.items() if k.endswith("token") and v}
    return found


def assert_no_secret(sandbox: SandboxServer, tokens: Path, tmp_path: Path, *outputs: str) -> None:
    """Drill 8, after every drill: no credential in what was printed or logged, nor in any
    column of the drill's warehouses; the token store readable by its owner only."""
    secrets = secrets_of(sandbox, tokens)
    assert len(secrets) >= 10  # the five providers' credentials and the stored tokens
    text = "\n".join(outputs)
    for path in tmp_path.glob("*.duckdb"):
        text += "\n".join(repr(rows) for rows in contents(tmp_path, path.stem).values())
    leaked = [s[:4] + "..." for s in secrets if s in text]
    assert not leaked
    for path in tokens.rglob("*"):
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def product_load(tmp_path: Path, name: str, provider: str) -> RunReport:
    """One historical run of ``provider`` the way ``lsw run`` loads it (the product's load
    step: dlt's state restored from the warehouse, the writer lock), without Dagster."""
    from dagster_project.dlt_run import load as load_step
    from dagster_project.resources import Warehouse

    spec = SPECS[provider]
    config = spec.read_config()
    assert config is not None, provider
    report = RunReport(provider)
    warehouse = Warehouse(path=str(tmp_path / f"{name}.duckdb"), state_dir=str(tmp_path / "state"))
    pipeline = warehouse.pipeline(provider, f"run-{time.monotonic_ns()}")
    load_step(warehouse, pipeline, spec.source(config, START, END, report), lambda: None)
    return report
