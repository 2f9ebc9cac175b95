"""fan_out: bounded, ordered, stoppable; chunked: batches for arrow."""

from __future__ import annotations

import threading
import time

from pipelines.fanout import chunked, fan_out


def test_results_come_in_input_order_with_bounded_concurrency() -> None:
    running, peak = 0, 0
    lock = threading.Lock()

    def work(item: int, stop: threading.Event) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02 if item % 3 else 0.05)  # later items often finish first
        with lock:
            running -= 1
        return item * 10

    assert list(fan_out(range(20), work, concurrency=4)) == [i * 10 for i in range(20)]
    assert peak == 4


def test_a_worker_can_stop_the_others() -> None:
    calls: list[int] = []

    def work(item: int, stop: threading.Event) -> int:
        if stop.is_set():
            return -1
        calls.append(item)
        if item == 2:
            stop.set()  # e.g. credentials refused: nobody else should call
        time.sleep(0.01)
        return item

    results = list(fan_out(range(50), work, concurrency=1))
    assert results[:3] == [0, 1, 2] and set(results[3:]) == {-1}
    assert calls == [0, 1, 2]


def test_closing_early_cancels_what_has_not_started() -> None:
    started: list[int] = []

    def work(item: int, stop: threading.Event) -> int:
        started.append(item)
        time.sleep(0.01)
        return item

    results = fan_out(range(1000), work, concurrency=2)
    assert next(results) == 0
    results.close()
    assert len(started) < 40


def test_chunked() -> None:
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []
