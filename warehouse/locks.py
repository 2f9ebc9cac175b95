"""Another process holding the DuckDB file: recognised once, waited out with one policy."""

from __future__ import annotations

from collections.abc import Callable
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
