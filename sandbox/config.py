"""What a sandbox is started with: the world's seed and size, the clock, per-provider knobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SandboxConfig:
    """Start-up settings of a sandbox.

    Attributes:
        seed: same seed, same world.
        scale: multiplies the number of accounts per provider (1 = a few each).
        days: how many past days the world has sessions for.
        frozen_at: unix seconds to freeze the clock at; None follows real time.
        knobs: per-provider knobs as plain dicts (see ``sandbox.knobs.ProviderKnobs``).
        providers: serve only these (None: all five); a big world of one provider for a
            benchmark need not pay for building the other four.
    """

    seed: int = 7
    scale: int = 1
    days: int = 90
    frozen_at: float | None = None
    knobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    providers: list[str] | None = None
