"""What a long `lsw run` is doing while it runs, and the one line it ends with.

The run executes in this process: its events reach ``Progress.seen`` as Dagster stores them
(steps started and ended, partitions materialised), and a thread reads the run's tags
(requests, rows; the runs this process started, found by their pid and host tags) and shows
providers and partitions done, requests, rows and elapsed time. The events are counted as
they go by rather than read back from the instance: a year's run records thousands, and
reading them back cost more than a second of the run's interpreter. On a terminal
that is a live rich progress display; off one (cron, CI, a log file) a plain line at most every
``PLAIN_EVERY_S`` seconds, so a log shows the run is alive without filling up.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Literal

from dagster import DagsterEventType, DagsterInstance, RunsFilter
from dagster._core.events.log import EventLogEntry
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from lsw.runner import HOST_TAG, PID_TAG
from lsw.runner import _instance as shared_instance

PLAIN_EVERY_S = 10.0
POLL_S = 0.5
Mode = Literal["live", "plain", "quiet"]
WATCHED = {
    DagsterEventType.STEP_START,
    DagsterEventType.STEP_SUCCESS,
    DagsterEventType.STEP_FAILURE,
    DagsterEventType.ASSET_MATERIALIZATION,
}
ENDED = {DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}


@dataclass
class Tally:
    """What the runs of this command have done so far."""

    providers: Sequence[str]
    days: int
    started: set[str] = field(default_factory=set)
    ended: set[str] = field(default_factory=set)
    partitions: set[tuple[str, str]] = field(default_factory=set)
    requests: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, entries: Iterable[EventLogEntry]) -> None:
        """Count step starts and ends (a provider's history step is named after it) and the
        provider partitions materialised."""
        for entry in entries:
            event = entry.dagster_event
            if event is None:
                continue
            if event.event_type == DagsterEventType.STEP_START and event.step_key:
                self.started.add(event.step_key)
            elif event.event_type in ENDED and event.step_key:
                self.ended.add(event.step_key)
            elif event.asset_key and event.partition and event.asset_key.path[0] in self.providers:
                self.partitions.add((event.asset_key.path[0], event.partition))

    def add_tags(self, tags: Mapping[str, str]) -> None:
        """Requests and rows are run tags, set when each provider's step ends."""
        for key, value in tags.items():
            parts = key.split("/")
            if parts[0] != "lsw" or len(parts) < 3 or not value.isdigit():
                continue
            if parts[-1] == "requests":
                self.requests += int(value)
            elif parts[-1] == "rows_fetched":
                self.rows[parts[1]] = self.rows.get(parts[1], 0) + int(value)

    @property
    def providers_done(self) -> int:
        return sum(1 for p in self.providers if p in self.ended)

    @property
    def running(self) -> list[str]:
        return [p for p in self.providers if p in self.started and p not in self.ended]

    def line(self, elapsed_s: float) -> str:
        return (
            f"{self.providers_done}/{len(self.providers)} providers, "
            f"{len(self.partitions)}/{len(self.providers) * self.days} partitions, "
            f"{self.requests} requests, {sum(self.rows.values())} rows, {elapsed_s:.0f} s"
        )


def summary_line(run_ids: Sequence[str], tally: Tally, elapsed_s: float) -> str:
    """The one line `lsw run` ends with: run id, rows per provider, requests, elapsed."""
    runs = "run " + ", ".join(run_ids) if run_ids else "no run"
    rows = ", ".join(f"{p} {tally.rows.get(p, 0):,} rows" for p in tally.providers) or "0 rows"
    return f"{runs}: {rows}; {tally.requests:,} requests; {elapsed_s:.1f} s"


def tally_runs(
    instance: DagsterInstance, run_ids: Sequence[str], providers: Sequence[str], days: int
) -> Tally:
    """The requests and rows of finished runs, from their tags (the summary line's figures:
    not their events, of which a year's run records thousands)."""
    tally = Tally(providers, days)
    for run_id in run_ids:
        run = instance.get_run_by_id(run_id)
        if run is not None:
            tally.add_tags(run.tags)
    return tally


class Progress:
    """Shows the progress of the runs this process starts while the block runs."""

    def __init__(self, providers: Sequence[str], days: int, mode: Mode, console: Console) -> None:
        self.providers, self.days, self.mode, self.console = providers, days, mode, console
        self.began = time.monotonic()
        self.since = datetime.now(UTC)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="lsw-progress", daemon=True)
        self.tally = Tally(providers, days)
        self.lock = threading.Lock()  # seen() runs in the steps' threads, _poll in its own

    def __enter__(self) -> Progress:
        if self.mode != "quiet":
            self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)

    def seen(self, entry: EventLogEntry) -> None:
        """One event of the run, as Dagster stores it (lsw.runner.materialize's ``on_event``)."""
        if entry.dagster_event_type in WATCHED:
            with self.lock:
                self.tally.add([entry])

    def _poll(self, instance: DagsterInstance) -> None:
        # steps and partitions carry over (seen() counts them); requests and rows are tags
        tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
        runs = instance.get_runs(RunsFilter(tags=tags, created_after=self.since))
        with self.lock:
            seen = self.tally
            tally = Tally(self.providers, self.days, seen.started, seen.ended, seen.partitions)
            for run in runs:
                tally.add_tags(run.tags)
            self.tally = tally

    def _watch(self) -> None:
        instance = shared_instance()  # created by one thread at a time (its storage too)
        try:
            if self.mode == "live":
                self._live(instance)
            else:
                self._plain(instance)
        except Exception:  # progress is a courtesy: never let it end the run
            return
        finally:
            instance.dispose()

    def _plain(self, instance: DagsterInstance) -> None:
        while not self.stop.wait(PLAIN_EVERY_S):
            self._poll(instance)
            elapsed = time.monotonic() - self.began
            self.console.print(f"progress {self.tally.line(elapsed)}", highlight=False)

    def _live(self, instance: DagsterInstance) -> None:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[figures]}"),
            TimeElapsedColumn(),
        )
        with RichProgress(*columns, console=self.console, transient=True) as bar:
            providers = bar.add_task("providers", total=len(self.providers), figures="")
            partitions = bar.add_task(
                "partitions", total=len(self.providers) * self.days, figures=""
            )
            while not self.stop.wait(POLL_S):
                self._poll(instance)
                t = self.tally
                running = f"running {', '.join(t.running)}" if t.running else ""
                bar.update(providers, completed=t.providers_done, figures=running)
                figures = f"{t.requests:,} requests, {sum(t.rows.values()):,} rows"
                bar.update(partitions, completed=len(t.partitions), figures=figures)


def finish(
    run_ids: Sequence[str], providers: Sequence[str], start: date, end: date, began: float
) -> str:
    """The summary line of the runs just finished, read back from the instance."""
    instance = shared_instance()
    try:
        tally = tally_runs(instance, run_ids, providers, (end - start).days + 1)
    finally:
        instance.dispose()
    return summary_line(run_ids, tally, time.monotonic() - began)
