"""Drill 7: one provider's bad configuration fails that provider only, the others load."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sandbox import SandboxServer
from tests.pipelines.firework.support import scheduled_in, service

LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]


def test_a_bad_value_and_a_missing_key_fail_their_provider_only(
    warehouse: Path, sandbox: SandboxServer
) -> None:
    env = {**os.environ, "SOURCES__TIKTOK_SHOP__MAX_CREDITS_PER_RUN": "abc"}
    del env["SOURCES__LISA__API_KEY"]  # LiSA configured, but without its key
    providers = ["-p", "tiktok_shop", "-p", "lisa", "-p", "firework"]
    run = subprocess.run(
        [*LSW, "run", "--start", "2026-11-18", "--end", "2026-11-19", *providers],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    failed = sorted(line for line in run.stderr.splitlines() if line.startswith("failed "))
    assert failed == [
        "failed lisa: configuration: missing api_key in sources.lisa (.dlt/config.toml, "
        ".dlt/secrets.toml or SOURCES__LISA__API_KEY)",
        "failed tiktok_shop: configuration: sources.tiktok_shop.max_credits_per_run: "
        "cannot be read as int",
    ]
    assert "Traceback" not in run.stderr
    window = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)
    expected = sorted(ls.id for ls in scheduled_in(service(sandbox), *window))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = "select livestream_id from firework.livestreams order by 1"
        loaded = [r[0] for r in con.execute(query).fetchall()]
        sessions = con.execute("select provider, count(*) from marts.fct_sessions group by 1")
        assert sessions.fetchall() == [("firework", len(expected))]
    assert loaded == expected and len(expected) > 0
