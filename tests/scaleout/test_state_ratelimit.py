"""One Trovo limit shared by four workers on four "machines" through PostgreSQL
(LSW_STATE_URL): together they stay under it, with no refusal; counting alone, they do not."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg
import pytest

from pipelines.errors import ProviderError
from pipelines.http import HttpSettings, ProviderClient
from pipelines.ratelimit import limit_key
from sandbox import SandboxServer
from sandbox.providers.trovo.catalog import DEFAULT_CLIENT_ID
from tests.scaleout.processes import start_together

WORKERS, PER_WORKER, LIMIT, WINDOW_S = 4, 15, 20, 1.0


def _workers(
    sandbox: SandboxServer, tmp_path: Path, state_url: str | None
) -> list[tuple[int, str]]:
    """Four workers, each with its own state directory (no file in common): their exit codes
    and what they said."""
    command = [
        sys.executable,
        "-m",
        "tests.scaleout.burst",
        sandbox.base_url("trovo"),
        DEFAULT_CLIENT_ID,
        str(PER_WORKER),
        str(LIMIT),
        str(WINDOW_S),
    ]
    envs = []
    for n in range(WORKERS):
        env = {**os.environ, "LSW_STATE_DIR": str(tmp_path / f"machine-{n}")}
        env.pop("LSW_STATE_URL", None)
        if state_url is not None:
            env["LSW_STATE_URL"] = state_url
        envs.append(env)
    return start_together([command] * WORKERS, envs)


def test_four_workers_on_four_machines_share_one_trovo_limit_in_postgres(
    sandbox: SandboxServer, postgres_url: str, tmp_path: Path
) -> None:
    # Trovo allows LIMIT calls a WINDOW_S (a sliding window, as the sandbox counts it)
    sandbox.set_knobs("trovo", rate_limit=LIMIT, rate_window_s=WINDOW_S)
    ended = _workers(sandbox, tmp_path, postgres_url)
    assert [code for code, _ in ended] == [0] * WORKERS, ended  # not one refusal
    stats = sandbox.stats()["trovo"]
    assert (stats["requests"], stats["over_limit"]) == (WORKERS * PER_WORKER, 0)
    # the count is in the state database, under a key that names no credential
    table = f"ratelimit___{limit_key('trovo', DEFAULT_CLIENT_ID)}"
    assert DEFAULT_CLIENT_ID not in table
    with psycopg.connect(postgres_url) as con:
        stamps = [
            row[0].timestamp()
            for row in con.execute(f'select item_timestamp from "{table}" order by 1').fetchall()
        ]
    # (the limiter drops rows older than the window every 10 s: some may be gone already)
    assert 0 < len(stamps) <= WORKERS * PER_WORKER
    busiest = max(sum(1 for t in stamps if s <= t < s + WINDOW_S) for s in stamps)
    assert busiest <= LIMIT
    assert not any((tmp_path / f"machine-{n}" / "ratelimit.sqlite").exists() for n in range(4))


def test_four_workers_counting_on_their_own_machines_pass_it(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The control: the same workers with no state database each count alone (a SQLite file
    per machine), so together they send four times the limit and Trovo refuses some."""
    sandbox.set_knobs("trovo", rate_limit=LIMIT, rate_window_s=WINDOW_S)
    assert [code for code, _ in _workers(sandbox, tmp_path, None)] != [0] * WORKERS
    assert sandbox.stats()["trovo"]["over_limit"] > 0


def test_an_unreachable_state_database_fails_the_provider_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LSW_STATE_URL", "postgresql://lsw:hunter2-secret@127.0.0.1:9/state")
    settings = HttpSettings(rate_limit=5, shared_limit_key=limit_key("tiktok_shop", "key-x"))
    with pytest.raises(ProviderError) as caught:
        ProviderClient("tiktok_shop", "http://127.0.0.1:9", settings=settings)
    message = str(caught.value)
    assert message.startswith(
        "tiktok_shop: shared rate limit postgresql://lsw:***@127.0.0.1:9/state: cannot be "
        "reached: connection failed: "
    )
    assert "hunter2" not in message and "\n" not in message
