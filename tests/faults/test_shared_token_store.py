"""One token store per user: `lsw check` on one warehouse, then a run on another, for Shopee.

Shopee refresh tokens work once, so a store per warehouse made the second warehouse send a
refresh token the first had spent, and the account looked locked (docs/token-store.md).
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsw.cli import app
from sandbox import SandboxServer
from tests.conftest import FROZEN_AT

runner = CliRunner()


def test_check_on_one_warehouse_then_a_run_on_another_shares_the_tokens(
    warehouse: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOURCES__SHOPEE__CLOCK_OFFSET_S", str(FROZEN_AT - time.time()))
    a, b = tmp_path / "a" / "w.duckdb", tmp_path / "b" / "w.duckdb"
    checked = runner.invoke(app, ["check", "-p", "shopee", "--warehouse", str(a)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("shopee: ok (8 accounts, 8 requests: ")
    assert sandbox.stats()["shopee"]["token_refreshes"] == 8

    args = ["run", "--start", "2026-11-18", "--end", "2026-11-19", "-p", "shopee"]
    loaded = runner.invoke(app, [*args, "--warehouse", str(b)])
    assert loaded.exit_code == 0, loaded.output
    # the run reused the tokens the check stored: not one refresh more
    assert sandbox.stats()["shopee"]["token_refreshes"] == 8
    with duckdb.connect(str(b), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_sessions").fetchall() == [(35,)]
    store = Path(os.environ["LSW_TOKEN_DIR"]) / "shopee"
    files = sorted(store.glob("*.json"))
    assert len(files) == 8
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
    assert not (a.parent / ".lsw" / "tokens").exists()
    assert not (b.parent / ".lsw" / "tokens").exists()
