"""A receiver on a loopback port in a thread of the test (the app `lsw webhooks serve` runs)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from live.credentials import ensure_secret, load_secret
from live.group_commit import GroupCommitter
from live.receiver import PATH, Verify, build_app
from live.store import SqliteLandingStore


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
