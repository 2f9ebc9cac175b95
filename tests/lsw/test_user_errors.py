"""Every user mistake is one line naming what and where, a non-zero exit, and nothing left behind."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from dagster import DagsterInstance
from typer.testing import CliRunner

from lsw.cli import app

runner = CliRunner()
HINT = "(--debug or LSW_DEBUG=1 shows the traceback)"


def _one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


def test_sql_on_a_missing_warehouse(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"
    result = runner.invoke(app, ["sql", "select 1", "--warehouse", str(missing)])
    assert result.exit_code == 2
    assert _one_line(result.output) == (
        f"error no warehouse at {missing}: load one with `lsw run` or `lsw demo`"
    )


def test_a_warehouse_under_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    target = tmp_path / "afile" / "w.duckdb"
    result = runner.invoke(app, ["demo", "--days", "1", "--warehouse", str(target)])
    assert result.exit_code == 1
    assert _one_line(result.output) == f"error {tmp_path / 'afile'}: File exists"


def test_malformed_config_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text(
        '[sources.tiktok_shop]\napi_key = "abc\nseller_ids = [1\n'
    )
    # a process of its own: dlt reads .dlt/ from the working directory once per process
    result = subprocess.run(
        [sys.executable, "-c", "from lsw.cli import app; app()", "check", "-p", "tiktok_shop"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    line = _one_line(result.stdout + result.stderr)
    # the file is at fault, not the provider whose section dlt happened to read first
    assert line.startswith("error configuration: cannot read .dlt/secrets.toml: ")
    assert "line 2" in line and HINT not in line


def test_a_config_value_of_the_wrong_type_is_one_line(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__MAX_CREDITS_PER_RUN", "lots")
    result = runner.invoke(app, ["check", "-p", "tiktok_shop"])
    assert result.exit_code == 1
    assert _one_line(result.output) == (
        "tiktok_shop: configuration: sources.tiktok_shop.max_credits_per_run: cannot be read as int"
    )
    monkeypatch.delenv("SOURCES__TIKTOK_SHOP__SELLER_IDS")
    monkeypatch.delenv("SOURCES__TIKTOK_SHOP__MAX_CREDITS_PER_RUN")
    result = runner.invoke(app, ["check", "-p", "tiktok_shop"])
    assert _one_line(result.output) == (
        "tiktok_shop: configuration: missing seller_ids in sources.tiktok_shop "
        "(.dlt/config.toml, .dlt/secrets.toml or SOURCES__TIKTOK_SHOP__SELLER_IDS)"
    )


def test_a_file_that_is_not_duckdb(warehouse: Path) -> None:
    warehouse.write_text("these are not the tables you are looking for\n" * 100)
    result = runner.invoke(
        app, ["run", "--start", "2026-11-18", "--end", "2026-11-18", "-p", "tiktok_shop"]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error warehouse: ") and "not a valid DuckDB database file" in last


def test_ranges_outside_the_partitions_are_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("LSW_WAREHOUSE", "LSW_STATE_DIR", "DAGSTER_HOME", "LSW_PARTITIONS_START"):
        monkeypatch.delenv(key, raising=False)
    cases = {
        ("2023-12-30", "2024-01-02"): "error --start 2023-12-30 is before the first partition "
        "2024-01-01; to load older history set LSW_PARTITIONS_START=2023-12-30 (for the CLI "
        "and the Dagster UI alike)",
        ("0001-01-01", "9999-12-31"): "error --start 0001-01-01 is before the first partition "
        "2024-01-01; to load older history set LSW_PARTITIONS_START=0001-01-01 (for the CLI "
        "and the Dagster UI alike)",
        ("2024-01-01", "9999-12-31"): "error --end 9999-12-31 is after today",
    }
    for (start, end), expected in cases.items():
        result = runner.invoke(app, ["run", "--start", start, "--end", end])
        assert result.exit_code == 2
        assert _one_line(result.output).startswith(expected)
    result = runner.invoke(app, ["run", "--start", "2026-11-18", "--end", "2026-11-18", "-p", "x"])
    assert result.exit_code == 2
    assert not (tmp_path / "data").exists()  # no warehouse, no state, no Dagster instance


def test_a_provider_asked_for_by_name_but_not_configured_fails(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("API_KEY", "SELLER_IDS", "BASE_URL"):
        monkeypatch.delenv(f"SOURCES__TIKTOK_SHOP__{key}")
    result = runner.invoke(
        app, ["run", "--start", "2026-11-18", "--end", "2026-11-18", "-p", "tiktok_shop"]
    )
    assert result.exit_code == 1
    assert "tiktok_shop: skipped (not configured: sources.tiktok_shop)" in result.output
    assert "failed tiktok_shop: not configured" in result.output
    result = runner.invoke(app, ["check", "-p", "tiktok_shop"])
    assert result.exit_code == 1 and result.output == "tiktok_shop: not configured\n"


def test_a_long_range_plans_one_event_per_asset_not_per_day(warehouse: Path) -> None:
    from lsw.runner import materialize

    outcome = materialize([], date(2026, 10, 22), date(2026, 11, 20))
    assert outcome.ok
    instance = DagsterInstance.get()
    planned = [
        e
        for e in instance.all_logs(outcome.run_ids[0])
        if e.dagster_event and e.dagster_event.event_type_value == "ASSET_MATERIALIZATION_PLANNED"
    ]
    # 30 days of 5 partitioned marts, the unpartitioned FX rates and report: 7 events, not 152
    assert len(planned) == 7
