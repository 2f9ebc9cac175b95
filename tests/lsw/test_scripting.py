"""What scripts and cron rely on: one version everywhere, and nothing to do is a failure."""

from __future__ import annotations

import os
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lsw.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_one_version_everywhere() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    newest = re.findall(r"^### (\S+)$", (ROOT / "README.md").read_text(), re.MULTILINE)[0]
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"lsw {declared}\n"
    assert declared == newest == version("livestream-warehouse") == "0.3.0"


@pytest.fixture
def nothing_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in os.environ:
        if key.startswith("SOURCES__"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("LSW_WAREHOUSE", str(tmp_path / "w.duckdb"))


LINE = (
    "error no provider is configured: set sources.<provider> in .dlt/config.toml, "
    ".dlt/secrets.toml or SOURCES__<PROVIDER>__... (docs/contract.md)\n"
)


@pytest.mark.usefixtures("nothing_configured")
def test_check_and_run_with_nothing_configured_exit_1_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check"])
    assert (result.exit_code, result.output) == (1, LINE)
    result = runner.invoke(app, ["run", "--start", "2026-11-18", "--end", "2026-11-18"])
    assert (result.exit_code, result.output) == (1, LINE)
    assert not (tmp_path / "w.duckdb").exists()  # nothing created
    result = runner.invoke(app, ["check", "-p", "lisa"])  # asked for by name: says which
    assert (result.exit_code, result.output) == (1, "lisa: not configured\n")
