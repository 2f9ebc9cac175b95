"""Bounded concurrent fetching with ordered, batched output: what every provider's extract does.

Against a real provider time goes to latency, so independent calls (one per seller, session,
channel...) run a few at once; but the output must not depend on which answer came first,
and memory must not grow with the number of items, so results come back in input order from
a bounded window of work in flight.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any, TypeVar

import pyarrow as pa

T = TypeVar("T")
R = TypeVar("R")

WINDOW_PER_WORKER = 8  # results buffered per worker while an earlier item is still running


def fan_out(
    items: Iterable[T],
    work: Callable[[T, threading.Event], R],
    *,
    concurrency: int,
) -> Generator[R, None, None]:
    """``work(item, stop)`` for every item, at most ``concurrency`` at once, in input order.

    ``stop`` is shared by all workers: a worker sets it when the provider is done for (bad
    credentials, an empty wallet) so the others return early instead of spending more calls,
    and it is set when the consumer stops iterating. Work not started by then is cancelled.
    """
    stop = threading.Event()
    window = max(1, concurrency) * WINDOW_PER_WORKER
    pending: deque[Future[R]] = deque()
    source = iter(items)
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="lsw") as pool:
        try:
            for item in source:
                pending.append(pool.submit(work, item, stop))
                while len(pending) >= window or (pending and pending[0].done()):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            stop.set()
            for future in pending:
                future.cancel()


def chunked(rows: Iterable[R], size: int = 5_000) -> Iterator[list[R]]:
    """Rows in lists of at most ``size``: each becomes one arrow table for dlt (parquet, fast)."""
    source = iter(rows)
    while chunk := list(islice(source, size)):
        yield chunk


def to_arrow(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


def flatten(results: Iterable[Sequence[R]]) -> Iterator[R]:
    for result in results:
        yield from result
