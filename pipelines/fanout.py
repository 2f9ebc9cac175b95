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

from pipelines.errors import ProviderError
from pipelines.outage import Outage, retry_later
from pipelines.report import RunReport

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


def fan_out_retrying(
    items: Iterable[T],
    work: Callable[[T, threading.Event], R],
    *,
    concurrency: int,
    error_of: Callable[[R], ProviderError | None],
    report: RunReport,
) -> Generator[R, None, None]:
    """``fan_out``, where one unlucky item does not cost the provider.

    An item whose work ended in an error of its own (``retry_later``: it outlasted its
    retries, or its answer was damaged) is held back and done once more after every other
    item, when a burst of errors has had time to pass; only that second result is yielded.
    Each such failure counts towards an ``Outage``; once it opens (many in a row: the
    provider is down) the rest of the run stops, as a refused credential stops it, the held
    items are yielded as they first failed, and the report fails with the outage's line. Results
    come in input order, the retried ones last.
    """
    outage = Outage(report.provider)
    held: list[tuple[T, R]] = []

    def counted(item: T, stop: threading.Event) -> R:
        result = work(item, stop)
        error = error_of(result)
        if retry_later(error):
            assert error is not None
            outage.failed(error)
            if outage.open:
                stop.set()
        elif error is None:
            outage.succeeded()
        return result

    def once_more(pair: tuple[T, R], stop: threading.Event) -> R:
        # an outage met meanwhile: the item stays failed as it was, nothing more is spent
        return pair[1] if outage.open else counted(pair[0], stop)

    for item, result in _paired(iter(items), counted, concurrency):
        if retry_later(error_of(result)) and not outage.open:
            held.append((item, result))
        else:
            yield result
    yield from fan_out(held, once_more, concurrency=concurrency)
    if outage.open:
        report.fail(outage.error())


def _paired(
    items: Iterator[T], work: Callable[[T, threading.Event], R], concurrency: int
) -> Iterator[tuple[T, R]]:
    yield from fan_out(items, lambda item, stop: (item, work(item, stop)), concurrency=concurrency)


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
