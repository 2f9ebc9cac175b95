"""Every Firework source test runs against the sandbox with its own token store."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import SandboxServer


@pytest.fixture(autouse=True)
def _sandbox_env(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LSW_STATE_DIR", str(tmp_path / "state"))
