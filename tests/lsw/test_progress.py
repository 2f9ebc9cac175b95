"""A run that cron can trust: progress lines off a terminal, one summary line at the end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dagster import DagsterInstance, MetadataValue
from rich.console import Console
from typer.testing import CliRunner

from dagster_project.defs.report.assets import REPORT_KEY
from lsw import progress
from lsw.cli import app
from sandbox import SandboxServer

runner = CliRunner()
PROGRESS = re.compile(
    r"progress [01]/1 providers, [0-2]/2 partitions, \d+ requests, \d+ rows, \d+ s"
)


def test_progress_lines_off_a_terminal_and_a_summary_line(
    warehouse: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "PLAIN_EVERY_S", 0.2)  # 10 s in real life
    sandbox.set_knobs("tiktok_shop", latency_ms=150)
    result = runner.invoke(
        app, ["run", "--start", "2026-11-18", "--end", "2026-11-19", "-p", "tiktok_shop"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) >= 2 and all(PROGRESS.fullmatch(line) for line in lines), lines
    assert lines[-1].startswith("progress 1/1 providers, 2/2 partitions")  # the last poll
    requests = sandbox.stats()["tiktok_shop"]["requests"]
    last = result.stdout.splitlines()[-1]
    assert re.fullmatch(
        rf"run [0-9a-f-]{{36}}: tiktok_shop 9 rows; {requests} requests; \d+\.\d s", last
    ), last
    # the same run drew the report as an asset, whose metadata links to the file
    event = DagsterInstance.get().get_latest_materialization_event(REPORT_KEY)
    assert event is not None and event.asset_materialization is not None
    metadata = event.asset_materialization.metadata
    report = warehouse.with_name("report.html")
    assert metadata["path"] == MetadataValue.path(str(report))
    assert metadata["url"] == MetadataValue.url(report.as_uri())
    assert "tiktok_shop" in report.read_text()


def test_quiet_starts_nothing(warehouse: Path) -> None:
    with progress.Progress(["tiktok_shop"], 2, "quiet", Console()) as shown:
        assert not shown.thread.is_alive()
