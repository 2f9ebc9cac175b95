"""Fixtures shared by every test: a real provider sandbox on loopback and temp warehouses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sandbox import SandboxConfig, SandboxServer

# Every test world is frozen at this instant, so hand-checked figures never drift.
FROZEN_AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A fresh sandbox (seed 7, scale 1, 30 days) with its clock frozen at FROZEN_AT."""
    with SandboxServer(SandboxConfig(seed=7, scale=1, days=30, frozen_at=FROZEN_AT)) as server:
        yield server
