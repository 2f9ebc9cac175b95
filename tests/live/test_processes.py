"""`lsw webhooks serve` and `lsw live` as real processes: SIGKILL loses nothing acknowledged,
and `lsw live` rotating Shopee tokens beside `lsw run` never spends a refresh token twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from live.credentials import load_secret
from live.lisa_events import SOURCE
from live.shopee_schema import COMMENT
from live.store import SqliteLandingStore
from pipelines.tokens import FileTokenStore
from sandbox import SandboxConfig, SandboxServer
from sandbox.providers.shopee import ShopeeService
from sandbox.providers.shopee import world as w
from tests.live.receiving import deliver_until_killed, serve
from tests.live.test_receiver import event

LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_receiver_stores_500_concurrent_deliveries_once_and_killed_keeps_every_ack(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "LSW_STATE_DIR": str(tmp_path), "LSW_TOKEN_DIR": str(tmp_path / "tokens")}
    server, url = serve(env)
    try:
        secret = load_secret(FileTokenStore(tmp_path / "tokens"))
        auth = {"authorization": f"Bearer {secret}"}
        store = SqliteLandingStore(tmp_path / "landing.sqlite3")

        # 500 deliveries at once, and 100 of them again while the first attempts are in flight
        events = [orjson.dumps(event()) for _ in range(500)]

        async def burst() -> list[int]:
            limits = httpx.Limits(max_connections=500)
            async with httpx.AsyncClient(limits=limits, timeout=30) as client:
                answers = await asyncio.gather(
                    *(
                        client.post(url, content=body, headers=auth)
                        for body in [*events, *events[:100]]
                    )
                )
            return [a.status_code for a in answers]

        assert asyncio.run(burst()) == [200] * 600
        assert store.count(SOURCE) == 500
        assert {r.record_id for r in store.read(0, 1_000)} == {
            orjson.loads(b)["id"] for b in events
        }

        # then a steady load, and SIGKILL in the middle of it
        _, acknowledged = deliver_until_killed(server, url, auth, kill_after=300)
        stored = {r.record_id for r in store.read(0, 100_000)}
        store.close()
        assert len(acknowledged) >= 300
        assert set(acknowledged) <= stored

    finally:
        if server.poll() is None:  # an assertion failed before the kill
            server.kill()
            server.wait()


@pytest.fixture
def live_sandbox() -> Iterator[SandboxServer]:
    """A sandbox on real time (its live session is live now), two days of world."""
    with SandboxServer(SandboxConfig(seed=7, days=2, providers=["shopee"])) as server:
        yield server


class Lsw:
    """An `lsw` process whose stderr is read as it comes (a full pipe would stall it)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [*LSW, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self, sig: int) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return code


def test_a_poller_killed_and_restarted_keeps_what_it_stored_and_misses_no_comment(
    live_sandbox: SandboxServer, tmp_path: Path
) -> None:
    service = live_sandbox.runtime.services["shopee"]
    assert isinstance(service, ShopeeService)
    live = service.sessions[service.showcase.live]
    env = {
        **os.environ,
        **live_sandbox.env(),
        "LSW_STATE_DIR": str(tmp_path),
        "LSW_TOKEN_DIR": str(tmp_path / "tokens"),
        "SOURCES__SHOPEE__SESSIONS": orjson.dumps(
            [{"user_id": live.user_id, "session_id": live.session_id}]
        ).decode(),
    }
    posted: list[int] = []

    def post(n: int) -> None:  # the streamer comments (ids as the sandbox gives them)
        for _ in range(n):
            now = service.ctx.clock.now()
            same_second = [c for c in live.posted if c["comment_id"] // 10_000 == int(now)]
            comment_id = int(now) * 10_000 + 9_000 + len(same_second)
            live.posted.append(
                {
                    "comment_id": comment_id,
                    "content": "flash sale",
                    "timestamp": int(now * 1000),
                    "user_id": live.user_id,
                    "username": "streamer",
                }
            )
            posted.append(comment_id)
            time.sleep(0.1)

    store = SqliteLandingStore(tmp_path / "landing.sqlite3")
    first = Lsw(["live", "--comment-interval", "1"], env)
    wait_for(lambda: first.said("lsw live: watching"))
    since = service.ctx.clock.now()

    def caught() -> bool:
        ids = {r.record_id.split(":")[1] for r in store.read(0, 100_000) if r.source == COMMENT}
        return {str(c) for c in posted} <= ids

    post(10)
    wait_for(caught)
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    killed = service.ctx.clock.now()
    kept = {r.record_id for r in store.read(0, 100_000)}
    second = Lsw(["live", "--comment-interval", "1"], env)
    try:
        wait_for(lambda: second.said("lsw live: watching"))
        resumed = service.ctx.clock.now()
        post(10)
        until = service.ctx.clock.now()
        wait_for(caught)
        assert second.stop(signal.SIGTERM) == 0, "".join(second.lines)
    finally:
        if second.process.poll() is None:
            second.process.kill()
    assert second.said("lsw live: stopped")
    landed = store.read(0, 100_000)
    store.close()
    assert kept <= {r.record_id for r in landed}  # nothing the killed poller stored is lost
    bodies = [orjson.loads(r.body) for r in landed if r.source == COMMENT]
    stored = [c["comment_id"] for c in bodies]
    assert len(stored) == len(set(stored))  # the restart stored nothing twice
    # a viewer's comment older than 10 s when the new poller first asked is gone for anyone
    # (a restart under 10 s loses none; the streamer is quiet while no poller runs)
    lost = ((killed - 2) * 1000, (resumed - 10) * 1000)
    expected = w.comments_between(
        service.ctx.seed,
        live,
        service.viewers[live.region],
        int(since * 1000) - 1,
        int(until * 1000),
    )
    expected = [c for c in expected if not lost[0] < c["timestamp"] <= lost[1]]
    assert set(posted) <= set(stored)
    assert {c["comment_id"] for c in expected} <= set(stored)
    # and nothing but the session's comments: the first poll reaches 10 s back, no further
    assert min(c["timestamp"] for c in bodies) >= since * 1000 - 10_000


def test_lsw_live_and_lsw_run_rotating_one_account_never_reuse_a_refresh_token(
    warehouse: Path, sandbox: SandboxServer
) -> None:
    # an access token now lives 600 s, the refresh margin: every call refreshes first, in
    # both processes at once, on the one account they share
    sandbox.set_knobs("shopee", options={"access_token_ttl_s": 600})
    service = sandbox.runtime.services["shopee"]
    assert isinstance(service, ShopeeService)
    env = {**os.environ}  # the warehouse fixture exported the sandbox and the state directory
    live = service.sessions[service.showcase.live]
    polled = [{"user_id": live.user_id, "session_id": live.session_id}]
    loaded = [  # the run loads that account's sessions of the day
        {"user_id": s.user_id, "session_id": s.session_id}
        for s in service.user_sessions[live.user_id]
        if s.start_ms is not None
        and s.create_ms <= service.ctx.clock.now() * 1000
        and w.utc_day(s.start_ms / 1000).isoformat() == "2026-11-20"
    ]
    poller = subprocess.Popen(
        [
            *LSW,
            "live",
            "--comment-interval",
            "1",
            "--metric-interval",
            "1",
            "--detail-interval",
            "1",
        ],
        env={**env, "SOURCES__SHOPEE__SESSIONS": orjson.dumps(polled).decode()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        run = subprocess.run(
            [*LSW, "run", "--start", "2026-11-20", "--end", "2026-11-20", "-p", "shopee"],
            env={**env, "SOURCES__SHOPEE__SESSIONS": orjson.dumps(loaded).decode()},
            capture_output=True,
            timeout=240,
        )
    finally:
        poller.send_signal(signal.SIGTERM)
        _, said = poller.communicate(timeout=30)
    assert run.returncode == 0, (run.stdout + run.stderr).decode()
    assert poller.returncode == 0, said.decode()
    stats = sandbox.stats()["shopee"]
    assert stats["refresh_tokens_reused"] == 0
    assert stats["token_refreshes"] >= 10
    assert "refused" not in said.decode() + run.stderr.decode()
