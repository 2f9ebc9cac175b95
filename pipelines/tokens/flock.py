"""Account locks: an ``flock`` on a lock file, exclusive between processes and threads.

The kernel releases an flock when its holder dies, even by SIGKILL, so a crashed run never
leaves an account locked, and no stale-lock detection is needed. Lock files are never
deleted: removing one while another process waits on it would let two holders in.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pipelines.tokens.base import TokenStoreError


class FileLock:
    """An flock on one file: exclusive between processes and threads, re-entrant in a thread.

    The thread lock comes first so that threads of one process queue in memory and only one
    of them holds the file descriptor; re-entry lets save() lock for callers that do not.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.descriptor = -1

    @contextmanager
    def held(
        self, provider: str, timeout_s: float, on_acquire: Callable[[], None]
    ) -> Iterator[None]:
        deadline = time.monotonic() + timeout_s
        if not self.thread_lock.acquire(timeout=timeout_s):
            raise self._timed_out(provider, timeout_s)
        try:
            outermost = self.depth == 0
            if outermost:
                self.descriptor = self._flock(provider, deadline, timeout_s)
            self.depth += 1
            try:
                if outermost:
                    on_acquire()
                yield
            finally:
                self.depth -= 1
                if self.depth == 0 and self.descriptor >= 0:  # -1 in a forked child
                    os.close(self.descriptor)  # releases the flock
                    self.descriptor = -1
        finally:
            self.thread_lock.release()

    def _flock(self, provider: str, deadline: float, timeout_s: float) -> int:
        try:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            os.fchmod(descriptor, 0o600)
        except OSError as error:
            cause = f"cannot be opened: {error.strerror}"
            raise TokenStoreError(provider, self.path, cause) from None
        delay = 0.001
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return descriptor
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(descriptor)
                    raise self._timed_out(provider, timeout_s) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    def _timed_out(self, provider: str, timeout_s: float) -> TokenStoreError:
        cause = f"still locked by another run after {timeout_s:g} s"
        return TokenStoreError(provider, self.path, cause)


_locks: dict[Path, FileLock] = {}
_locks_guard = threading.Lock()


def file_lock(path: Path) -> FileLock:
    """The one FileLock of this process for ``path``, shared by every store instance."""
    key = path.absolute()
    with _locks_guard:
        return _locks.setdefault(key, FileLock(key))


def _forget_locks_in_child() -> None:
    """A forked child drops its copies of held lock descriptors, which would keep the flock.

    An flock belongs to the open file, which fork shares; if the child kept its copy, the
    parent's release would not release it.
    """
    global _locks_guard
    for held in _locks.values():
        if held.descriptor >= 0:
            with suppress(OSError):
                os.close(held.descriptor)
            held.descriptor = -1  # a thread unwinding in the child must not close a reused fd
    _locks.clear()
    _locks_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_locks_in_child)
