"""Another process holding the DuckDB file: recognised once, waited out with one policy."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

T = TypeVar("T")

OPEN_WAIT_S = 120.0  # opening the file: readers come and go quickly
LOAD_WAIT_S = 600.0  # loading rows already fetched (and paid for): worth waiting longer


def lock_conflict(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it, however deeply wrapped) is another process's lock."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        text = str(exc).lower()
        if "conflicting lock" in text or "could not set lock" in text:
            return True
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "exception", None)
    return False


def while_locked(
    action: Callable[[], T],
    *,
    max_wait_s: float,
    on_wait: Callable[[], Any] | None = None,
) -> T:
    """Run ``action``, retrying with backoff while another process holds the warehouse.

    ``on_wait`` is called once, before the first wait, so a user hears why nothing moves.
    """
    told = False

    def before_sleep(_: object) -> None:
        nonlocal told
        if on_wait is not None and not told:
            told = True
            on_wait()

    retrying = Retrying(
        retry=retry_if_exception(lock_conflict),
        wait=wait_exponential_jitter(multiplier=0.2, max=5),
        stop=stop_after_delay(max_wait_s),
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(action)


class WarehouseBusy(Exception):
    """Another process held the warehouse for longer than we were willing to wait."""


class _Holder:
    """This process's hold on one warehouse's writer lock: re-entrant across its threads."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


_holders: dict[Path, _Holder] = {}
_holders_lock = threading.Lock()


def lock_file(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def writer_lock(
    warehouse: Path,
    *,
    on_wait: Callable[[], Any] | None = None,
    max_wait_s: float = LOAD_WAIT_S,
    poll_s: float = 0.2,
) -> Iterator[None]:
    """Be the one lsw process writing ``warehouse`` for the duration of the block.

    DuckDB lets one process write a file at a time and fails the others at once; dlt opens
    the file in several steps (restoring state, loading), so two runs started together collide
    whichever step comes first. Every lsw write (dlt's destination steps, the marts) therefore
    takes this lock first: an OS file lock (flock) beside the warehouse, released by the OS
    if the process dies. ``on_wait`` is called once if another process holds it.
    """
    with _holders_lock:
        holder = _holders.setdefault(warehouse, _Holder())
    with holder.lock:
        if holder.depth == 0:
            holder.fd = _acquire(lock_file(warehouse), on_wait, max_wait_s, poll_s)
        holder.depth += 1
        try:
            yield
        finally:
            holder.depth -= 1
            if holder.depth == 0 and holder.fd is not None:
                fcntl.flock(holder.fd, fcntl.LOCK_UN)
                os.close(holder.fd)
                holder.fd = None


def _acquire(
    path: Path, on_wait: Callable[[], Any] | None, max_wait_s: float, poll_s: float
) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + max_wait_s
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise WarehouseBusy(
                    f"{path.with_suffix('')}: held by another process for over "
                    f"{max_wait_s:.0f} s; try again when it has finished"
                ) from None
            if on_wait is not None and not told:
                told = True
                on_wait()
            time.sleep(poll_s)
