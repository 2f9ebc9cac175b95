"""An injectable clock, so tests can freeze or move the sandbox's idea of now."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    """Real time, or a frozen instant that tests can move.

    The world only exposes sessions that have started by ``now()``, so moving the clock is how
    a test makes new sessions appear or a live session end.
    """

    def __init__(self, frozen_at: float | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen_at = frozen_at
        self._offset = 0.0

    def now(self) -> float:
        """Unix seconds."""
        with self._lock:
            base = self._frozen_at if self._frozen_at is not None else time.time()
            return base + self._offset

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def freeze(self, at: float | None) -> None:
        """Freeze at ``at`` (unix seconds), or follow real time again with ``None``."""
        with self._lock:
            self._frozen_at = at
            self._offset = 0.0

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None
