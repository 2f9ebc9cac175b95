"""Live capture fixtures: the state directory of the test, a receiver, LiSA's test hooks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from live.store import default_path
from sandbox import SandboxServer
from sandbox.providers.lisa.service import LisaService
from tests.live.receiving import Receiver


@pytest.fixture
def receiver(warehouse: Path) -> Iterator[Receiver]:
    """A receiver writing the state directory's landing store (what the sensor drains)."""
    with Receiver(default_path()) as r:
        yield r


@pytest.fixture
def lisa(sandbox: SandboxServer) -> LisaService:
    service = sandbox.runtime.services["lisa"]
    assert isinstance(service, LisaService)
    return service
