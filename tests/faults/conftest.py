"""One sandbox and one fault-free reference load for every drill of a module (a drill sets
its faults and clears them after), and one token store, as a user has one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import SandboxConfig, SandboxServer
from tests.conftest import FROZEN_AT
from tests.faults.drill import PROVIDERS, export, reference


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=7, scale=1, days=3, frozen_at=FROZEN_AT)) as server:
        yield server


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tokens")


@pytest.fixture
def drill(
    world: SandboxServer, tokens: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SandboxServer]:
    """The module's sandbox with its variables exported; every fault cleared afterwards."""
    monkeypatch.setenv("LSW_TOKEN_DIR", str(tokens))
    monkeypatch.setenv("LSW_STATE_DIR", str(tokens.parent / "state"))
    export(world, monkeypatch)
    yield world
    for provider in PROVIDERS:
        world.set_knobs(provider)


@pytest.fixture(scope="module")
def expected(
    world: SandboxServer, tokens: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LSW_TOKEN_DIR", str(tokens))
        mp.setenv("LSW_STATE_DIR", str(tokens.parent / "state"))
        export(world, mp)
        return reference(tmp_path_factory.mktemp("reference"))
