"""Another process holding the DuckDB file: recognised once, waited out with one policy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from warehouse.flock import LockTimeout, file_lock

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


def lock_file(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def writer_lock(
    warehouse: Path,
    *,
    on_wait: Callable[[], Any] | None = None,
    max_wait_s: float = LOAD_WAIT_S,
) -> Iterator[None]:
    """Be the one lsw process writing ``warehouse`` for the duration of the block.

    DuckDB lets one process write a file at a time and fails the others at once; dlt opens
    the file in several steps (restoring state, loading), so two runs started together collide
    whichever step comes first. Every lsw write (dlt's destination steps, the marts) therefore
    takes this lock first: an flock beside the warehouse (warehouse/flock.py), released by the
    OS if the process dies, re-entrant within a thread. ``on_wait`` is called once if another
    process holds it.
    """
    with ExitStack() as stack:
        try:
            stack.enter_context(file_lock(lock_file(warehouse)).held(max_wait_s, on_wait=on_wait))
        except LockTimeout:
            raise WarehouseBusy(
                f"{warehouse}: held by another process for over {max_wait_s:.0f} s; "
                "try again when it has finished"
            ) from None
        yield
