"""`lsw` as a user runs it: exit codes, what it prints, what it leaves in the warehouse."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from lsw.cli import app
from sandbox import SandboxServer

runner = CliRunner()


def _count(warehouse: Path, table: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return int(con.execute(f"select count(*) from {table}").fetchall()[0][0])


def test_run_loads_the_range_and_prints_the_summary(warehouse: Path) -> None:
    result = runner.invoke(
        app, ["run", "--start", "2026-11-18", "--end", "2026-11-19", "-p", "tiktok_shop"]
    )
    assert result.exit_code == 0, result.output
    assert "Sessions that started 2026-11-18 .. 2026-11-19 (UTC)" in result.output
    assert "Sessions and GMV by provider" in result.output
    assert _count(warehouse, "marts.fct_sessions") == 9


def test_run_failure_is_one_line_and_exit_1(warehouse: Path, sandbox: SandboxServer) -> None:
    sandbox.set_knobs("tiktok_shop", options={"credit_budget": 2})
    result = runner.invoke(
        app, ["run", "--start", "2026-11-18", "--end", "2026-11-19", "-p", "tiktok_shop"]
    )
    assert result.exit_code == 1
    assert (
        "failed tiktok_shop: GET /v1/tiktok/shop/livestreams/analytics: "
        "credits exhausted (HTTP 402: apiKey quota is not enough)" in result.output
    )
    kept = _count(warehouse, "tiktok_shop.livestreams")
    assert kept > 0 and _count(warehouse, "marts.fct_sessions") == kept


def test_run_rejects_bad_input(warehouse: Path) -> None:
    result = runner.invoke(app, ["run", "--start", "2026-11-19", "--end", "2026-11-18"])
    assert result.exit_code == 2
    assert result.output == "error --end 2026-11-18 is before --start 2026-11-19\n"
    result = runner.invoke(app, ["run", "--start", "x", "--end", "2026-11-18"])
    assert result.exit_code == 2
    assert result.output == "error --start must be a date YYYY-MM-DD, got 'x'\n"
    result = runner.invoke(
        app, ["run", "--start", "2026-11-18", "--end", "2026-11-18", "-p", "tiktok"]
    )
    assert result.exit_code == 2
    assert result.output == (
        "error unknown provider tiktok; known: shopee, tiktok_shop, firework, trovo, lisa\n"
    )


def test_check_says_ok_or_what_is_wrong(
    warehouse: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(app, ["check", "-p", "tiktok_shop"])
    assert result.exit_code == 0, result.output
    assert result.output == "tiktok_shop: ok (1 credit spent; KeyAPI has no free call)\n"
    assert sandbox.stats()["tiktok_shop"]["credits_used"] == 1
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__API_KEY", "sk_live_revoked_0000")
    result = runner.invoke(app, ["check", "-p", "tiktok_shop"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "tiktok_shop: GET /v1/tiktok/shop/livestreams/analytics: "
        "credentials refused (HTTP 401: apiKey is invalid)"
    )


def test_demo_needs_nothing_but_itself(warehouse: Path) -> None:
    result = runner.invoke(app, ["demo", "--days", "2", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert "Top 5 sessions by GMV" in result.output
    assert f"Warehouse: {warehouse}" in result.output
    assert _count(warehouse, "marts.fct_sessions") > 0
    # the report, drawn from the published read-only copy, and the run's summary line last
    report = warehouse.with_name("report.html")
    assert f"Report: {report}" in result.output
    assert 'id="gmv-per-day"' in report.read_text() and "<script src" not in report.read_text()
    assert _count(warehouse.with_name("warehouse.readonly.duckdb"), "marts.fct_sessions") > 0
    assert result.stdout.splitlines()[-1].startswith("run ")
    # the sandbox's tokens stay with the demo, never in the user's token store
    assert (warehouse.parent / ".lsw" / "sandbox-tokens" / "shopee").is_dir()
    assert not (warehouse.parent / "state" / "tokens" / "shopee").exists()  # conftest's store


def test_sandbox_prints_its_config_and_serves_it() -> None:
    command = [
        sys.executable,
        "-c",
        "from lsw.cli import app; app()",
        "sandbox",
        "--port",
        "0",
        "--print-config",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        env: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while "SOURCES__LISA__ACCOUNT_ID" not in env and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line.startswith("export SOURCES__"), line
            key, value = line[len("export ") :].rstrip("\n").split("=", 1)
            env[key] = value.strip("'")
        assert {k.split("__")[1] for k in env} == {
            "SHOPEE",
            "TIKTOK_SHOP",
            "FIREWORK",
            "TROVO",
            "LISA",
        }
        base = env["SOURCES__TIKTOK_SHOP__BASE_URL"]
        for _ in range(100):
            try:
                answer = httpx.get(f"{base}/v1/tiktok/shop/livestreams/analytics")
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert answer.status_code == 401 and answer.json()["message"] == "apiKey is null"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
