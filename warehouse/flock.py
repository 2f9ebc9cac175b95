"""File locks: an ``flock`` on a lock file, exclusive between processes and threads.

One implementation for every lock lsw takes across processes (the warehouse's writer lock,
each token-store account). The kernel releases an flock when its holder dies, even by
SIGKILL, so a crashed run never leaves anything locked, and no stale-lock detection is
needed. Lock files are never deleted: removing one while another process waits on it would
let two holders in.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


class LockTimeout(Exception):
    """Another process held the lock for longer than the caller would wait."""

    def __init__(self, path: Path, timeout_s: float, cause: str = "") -> None:
        self.path = path
        self.timeout_s = timeout_s
        self.cause = cause or f"still locked by another run after {timeout_s:g} s"
        super().__init__(f"{path}: {self.cause}")


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
        self,
        timeout_s: float,
        on_acquire: Callable[[], None] | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> Iterator[None]:
        """Hold the lock for the block; ``on_wait`` is called once if another process holds it,
        ``on_acquire`` once the lock is taken (not on re-entry). Raises LockTimeout."""
        deadline = time.monotonic() + timeout_s
        # Another thread of this process (a provider of the same run) is not news: ``on_wait``
        # is for another process only.
        if not self.thread_lock.acquire(timeout=timeout_s):
            raise LockTimeout(self.path, timeout_s)
        try:
            outermost = self.depth == 0
            if outermost:
                self.descriptor = self._flock(deadline, timeout_s, on_wait)
            self.depth += 1
            try:
                if outermost and on_acquire is not None:
                    on_acquire()
                yield
            finally:
                self.depth -= 1
                if self.depth == 0 and self.descriptor >= 0:  # -1 in a forked child
                    os.close(self.descriptor)  # releases the flock
                    self.descriptor = -1
        finally:
            self.thread_lock.release()

    def _flock(self, deadline: float, timeout_s: float, on_wait: Callable[[], None] | None) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            os.fchmod(descriptor, 0o600)
        except OSError as error:
            raise LockTimeout(self.path, 0, f"cannot be opened: {error.strerror}") from None
        delay = 0.001
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return descriptor
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(descriptor)
                    raise LockTimeout(self.path, timeout_s) from None
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)


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
