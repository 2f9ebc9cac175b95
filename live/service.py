"""What ``lsw live`` and ``lsw webhooks serve`` share as long-running services: stopping
cleanly on SIGTERM or Ctrl-C, and saying what they do on stderr."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (Ctrl-C): the loop finishes its pass and returns."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def log_to_stderr(name: str) -> logging.Logger:
    """``name``'s info lines on stderr, timestamped, once each (not again through ``lsw``)."""
    logger = logging.getLogger(name)
    if not any(getattr(h, "_lsw_service", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handler._lsw_service = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger
