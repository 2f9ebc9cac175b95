"""Group commit: many concurrent deliveries, one fsync.

Every delivery must be on disk before it is acknowledged, and an fsync costs milliseconds;
committing each delivery alone would cap the receiver at a few hundred per second. One
writer thread takes every record waiting, stores them in one transaction (one fsync), then
wakes each waiting request with its own outcome. Nothing is acknowledged before its commit.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass
from typing import Any

from live.store import LandingStore, Record

MAX_BATCH = 2_000


@dataclass
class _Pending:
    record: Record
    future: asyncio.Future[bool]
    loop: asyncio.AbstractEventLoop


class GroupCommitter:
    """Stores records for asyncio callers, batching whatever arrives while a commit runs."""

    def __init__(self, store: LandingStore, max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write, name="landing-writer", daemon=True)
        self._thread.start()
        self.commits = 0

    async def add(self, record: Record) -> bool:
        """True if ``record`` was new; returns once it is durable (or raises the store's error)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._queue.put(_Pending(record, future, loop))
        return await future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _write(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            outcomes: list[bool | Exception]
            try:
                outcomes = list(self.store.add([p.record for p in batch]))
            except Exception as exc:  # every waiter hears it: none is acknowledged
                outcomes = [exc] * len(batch)
            else:
                self.commits += 1
            # one wake-up per event loop for the whole batch, not one per delivery
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[bool], Any]]] = {}
            for p, outcome in zip(batch, outcomes, strict=True):
                by_loop.setdefault(p.loop, []).append((p.future, outcome))
            for loop, settled in by_loop.items():
                loop.call_soon_threadsafe(_settle, settled)
            if stop:
                return


def _settle(settled: list[tuple[asyncio.Future[bool], Any]]) -> None:
    for future, outcome in settled:
        if future.done():
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
