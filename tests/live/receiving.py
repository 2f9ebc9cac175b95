"""A receiver on a loopback port in a thread of the test (the app `lsw webhooks serve` runs)."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import orjson
import uvicorn

from live.credentials import ensure_secret, load_secret
from live.group_commit import GroupCommitter
from live.receiver import PATH, Verify, build_app
from live.store import SqliteLandingStore


def event(**overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "eventType": "Show:stop",
        "eventDate": "2026-11-20T12:00:00.000Z",
        "client": "sandbox-brand",
        "detail": {"id": str(uuid.uuid4()), "streams": []},
        "change": {"removed": [], "updated": {}},
        **overrides,
    }


class Receiver:
    def __init__(self, store_path: Path, *, max_body: int = 1 << 20, verify: Verify | None = None):
        self.secret = ensure_secret()
        self.store = SqliteLandingStore(store_path)
        self.committer = GroupCommitter(self.store)
        app = build_app(self.committer, load_secret, max_body=max_body, verify=verify)
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}{PATH}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.01)
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.committer.close()
        self.store.close()
        self._sock.close()


LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """`lsw webhooks serve` as a process on a free port, and the URL it prints."""
    server = subprocess.Popen(
        [*LSW, "webhooks", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    return server, server.stdout.readline().split()[-1]


def deliver_until_killed(
    server: subprocess.Popen[str], url: str, auth: dict[str, str], kill_after: int
) -> tuple[dict[str, bytes], list[str]]:
    """New events from 16 connections until ``kill_after`` are acknowledged, then SIGKILL the
    receiver mid-load: every body sent (by id) and the ids it acknowledged."""
    attempted: dict[str, bytes] = {}
    acknowledged: list[str] = []

    async def deliver() -> None:
        async with httpx.AsyncClient(timeout=10) as client:

            async def worker() -> None:
                while server.poll() is None:
                    body = event()
                    attempted[body["id"]] = orjson.dumps(body)
                    try:
                        answer = await client.post(url, content=attempted[body["id"]], headers=auth)
                    except httpx.HTTPError:
                        continue
                    if answer.status_code == 200:
                        acknowledged.append(body["id"])

            async def killer() -> None:
                while len(acknowledged) < kill_after:
                    await asyncio.sleep(0.01)
                server.send_signal(signal.SIGKILL)

            await asyncio.gather(killer(), *(worker() for _ in range(16)))

    asyncio.run(asyncio.wait_for(deliver(), timeout=120))
    assert server.wait(timeout=10) == -signal.SIGKILL
    return attempted, acknowledged
