"""Run the sandbox: in a background thread (tests, `lsw demo`) or a child process (benchmarks).

Both are driven the same way, over the admin API, so a test can break a provider mid-run
whichever way the sandbox was started.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from sandbox.app import build_app
from sandbox.config import SandboxConfig


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class SandboxAdmin:
    """Talks to a running sandbox's admin API."""

    url: str

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}/_admin/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def base_url(self, provider: str) -> str:
        return f"{self.url}/{provider}"

    def env(self) -> dict[str, str]:
        """``SOURCES__...`` variables pointing every provider's source at this sandbox."""
        result: dict[str, str] = self._admin("GET", "env")
        return result

    def set_knobs(self, provider: str, **knobs: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._admin("PUT", f"knobs/{provider}", knobs)
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._admin("GET", "stats")
        return result

    def freeze_clock(self, at: float | None) -> None:
        self._admin("POST", "clock", {"frozen_at": at})

    def advance_clock(self, seconds: float) -> None:
        self._admin("POST", "clock", {"advance_s": seconds})


class SandboxServer(SandboxAdmin):
    """The sandbox on a loopback port, served by uvicorn in a daemon thread."""

    def __init__(
        self, config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SandboxConfig()
        self.app, self.runtime = build_app(self.config)
        self._sock = _bind(host, port)
        self.host, self.port = self._sock.getsockname()[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                log_level="warning",
                access_log=False,
                timeout_graceful_shutdown=1,
                loop="auto",
                http="auto",
            )
        )
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the provider sandbox did not start")
            time.sleep(0.01)
        return self

    def serve_forever(self) -> None:
        """Serve in the foreground until interrupted (`lsw sandbox`)."""
        self._server.run(sockets=[self._sock])

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class SandboxProcess(SandboxAdmin):
    """The sandbox in a child process, so a benchmark's client and server use separate cores."""

    def __init__(self, config: SandboxConfig | None = None, host: str = "127.0.0.1") -> None:
        self.config = config or SandboxConfig()
        self._sock = _bind(host, 0)
        self.host, self.port = self._sock.getsockname()[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> SandboxProcess:
        import orjson

        cfg = orjson.dumps(self.config.__dict__).decode()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--fd", str(self._sock.fileno()), "--config", cfg],
            pass_fds=[self._sock.fileno()],
            env={**os.environ},
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self._admin("GET", "health")
                return self
            except httpx.HTTPError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the provider sandbox process did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._sock.close()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
