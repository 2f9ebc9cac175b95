"""A provider step's dlt work (configuration, source, extract, normalise, load) in a process
of its own; the Dagster part of the step stays in the run's process.

The providers' steps run at once, as threads of the run's process (dagster_project/
threaded.py). As threads they share one interpreter lock, and their Python (HTTP, JSON
validation, dlt's extract) holds each other up: in a year's backfill Shopee's step, the run's
critical path, took twice as long as the same work alone (docs/benchmarks.md). So each step
hands its dlt work to a child process and waits for what it did (``Fetched``): rows per
table, the tables' columns, the provider's report. Logging to the run, materialisations and
the step's failure stay in the step's thread.

Children are forked from a fork server that imported dlt and every provider once (a child
starts in a fraction of a second), never from the run's own, multithreaded, process. A
child reads the provider's configuration itself, with the run's environment (sent with the
job: the server's may be older) in the same working directory (``.dlt/``); the token store
and the rate limits are already shared between processes through file locks. Its log
records (retries, budgets; secrets masked as in the run's process) go to the run's process,
to the same loggers and handlers as before. It ends as soon as the run's process does
(a pipe it watches), so a terminated run leaves no child behind; a child that dies fails its
provider's step with one line, and the other providers go on.

``LSW_PROVIDER_PROCESSES=0`` keeps the work in the step's thread (docs/orchestration.md); a
platform without a fork server (Windows) does so too.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from logging.handlers import QueueHandler
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from dagster_project.dlt_load import (
    Column,
    columns,
    load,
    run_turn,
    table_of,
    working_pipeline,
)
from pipelines.errors import ConfigError
from pipelines.redaction import install_log_redaction, redact
from pipelines.registry import SPECS
from pipelines.report import RunReport
from pipelines.spec import ProviderSpec
from warehouse.store import open_store

PROCESSES_ENV = "LSW_PROVIDER_PROCESSES"
PRELOAD = ["dagster_project.provider_process"]  # dlt, every provider's package
JOIN_S = 5.0  # a child that answered is given this long to exit before it is killed
_STARTED = "started"
_WAITING = "waiting"
_DONE = "done"
_ERROR = "error"
_context: ForkServerContext | None = None
_children: set[BaseProcess] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class Job:
    """What a child needs to do a step's dlt work; everything else it reads itself."""

    provider: str
    snapshot: bool
    start: datetime | None
    end: datetime | None
    resources: tuple[str, ...]
    file: Path  # the warehouse (or what names the destination)
    working_dir: Path  # dlt's local files, this run's
    turn: Path | None = None  # the run's providers take turns writing the warehouse: its lock
    environ: dict[str, str] = field(default_factory=dict, repr=False)
    levels: dict[str, int] = field(default_factory=dict)


@dataclass
class Fetched:
    """What a step's dlt work did: the provider's report as plain values, rows and columns."""

    provider: str
    pid: int
    problem: str | None = None  # the provider could not start (configuration): its one line
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0
    rows: int = 0
    pages: int = 0
    incomplete: bool = False  # some account's days were not all read
    incomplete_days: set[date] = field(default_factory=set)
    rows_loaded: dict[str, int] = field(default_factory=dict)  # per table
    tables: dict[str, str] = field(default_factory=dict)  # resource -> the table it writes
    columns: dict[str, list[Column]] = field(default_factory=dict)  # per resource
    per_day: dict[str, dict[date, int]] = field(default_factory=dict)  # table -> rows a day
    totals: dict[str, int] = field(default_factory=dict)  # snapshot resource -> rows in all

    @property
    def failed(self) -> bool:
        return bool(self.errors) or self.incomplete


class ProcessEnded(Exception):
    """The child doing a provider's work died before answering (killed, out of memory)."""


def in_processes() -> bool:
    """Whether steps hand their dlt work to child processes (the default where possible)."""
    if os.environ.get(PROCESSES_ENV, "1").strip().lower() in ("0", "false", "no"):
        return False
    return "forkserver" in multiprocessing.get_all_start_methods()


def fetch(
    job: Job, spec: ProviderSpec[Any], on_start: Callable[[], None], on_wait: Callable[[], None]
) -> Fetched:
    """The step's dlt work, in a child process (or in this thread, ``LSW_PROVIDER_PROCESSES=0``).

    ``on_start`` is called here once the provider's configuration is read, ``on_wait`` when
    the child waits for the warehouse. An error the work raises is raised here; a child that
    dies raises ProcessEnded."""
    if not in_processes():
        return work(job, spec, on_start, on_wait)
    context = _fork_server()
    # pipes, not multiprocessing's queues: those hold semaphores, which a run ended by a
    # signal would leave behind (and the resource tracker complain about on the terminal)
    answers, channel = context.Pipe(duplex=False)
    watched, lifeline = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(job, channel, watched), name=f"lsw-{job.provider}", daemon=False
    )
    with _lock:
        _children.add(child)
    try:
        child.start()
        watched.close()  # the child's ends
        channel.close()
        return _answer(job.provider, child, answers, on_start, on_wait)
    finally:
        lifeline.close()  # the child, if still there, ends now
        if child.pid is not None:  # started
            child.join(JOIN_S)
            if child.is_alive():
                child.kill()
                child.join()
        with _lock:
            _children.discard(child)
        for end in (answers, channel, watched):
            end.close()


def stop_children() -> None:
    """Kill every child of this process at once (the run is terminated)."""
    with _lock:
        running = list(_children)
    for child in running:
        if child.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(child.pid, signal.SIGKILL)


def running() -> dict[str, int]:
    """The children doing providers' work now, by name (``lsw-<provider>``): their pids."""
    with _lock:
        return {child.name: child.pid for child in _children if child.pid is not None}


def _fork_server() -> ForkServerContext:
    global _context
    with _lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            atexit.register(_stop_fork_server)
            _context = context
        return _context


def _stop_fork_server() -> None:
    """At exit, end the fork server and wait for it (it would end by itself, unwaited for):
    so the CPU of the children it reaped counts as this process's children's."""
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    if callable(stop):
        with contextlib.suppress(Exception):
            stop()


def _answer(
    provider: str,
    child: BaseProcess,
    answers: Connection,
    on_start: Callable[[], None],
    on_wait: Callable[[], None],
) -> Fetched:
    while True:
        try:
            message = answers.recv()
        except EOFError:  # it ended without an answer
            child.join(JOIN_S)
            raise ProcessEnded(_ended(provider, child.exitcode)) from None
        if isinstance(message, logging.LogRecord):
            logger = logging.getLogger(message.name)
            if logger.isEnabledFor(message.levelno):
                logger.handle(message)
            continue
        kind, value = message
        if kind == _STARTED:
            on_start()
        elif kind == _WAITING:
            on_wait()
        elif kind == _DONE:
            return value
        elif kind == _ERROR:
            raise _linked(value)


def _ended(provider: str, code: int | None) -> str:
    how = f"killed by {signal.Signals(-code).name}" if code and code < 0 else f"exit code {code}"
    return (
        f"{provider}: the process loading it ended before it finished ({how}); its days are "
        "not recorded as loaded, and the next run reads them again"
    )


def _child(job: Job, channel: Connection, watched: Connection) -> None:
    """A child's whole life: do the work, send the answer, log records as they come."""
    threading.Thread(target=_end_with_run, args=(watched,), daemon=True).start()
    os.environ.clear()
    os.environ.update(job.environ)
    install_log_redaction()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    send = _Sender(channel)
    root.addHandler(QueueHandler(send))  # type: ignore[arg-type]
    for name, level in job.levels.items():
        logging.getLogger(name or None).setLevel(level)
    try:
        fetched = work(
            job,
            SPECS[job.provider],
            lambda: send.put((_STARTED, None)),
            lambda: send.put((_WAITING, None)),
        )
    except BaseException as exc:  # handed to the step, which raises it
        send.put((_ERROR, _portable(exc)))
    else:
        send.put((_DONE, fetched))


class _Sender:
    """The child's end of its pipe, for every thread of it (a provider fetches in several):
    one message at a time; ``put`` as a queue's, for ``QueueHandler``."""

    def __init__(self, channel: Connection) -> None:
        self.channel = channel
        self.lock = threading.Lock()

    def put_nowait(self, message: object) -> None:
        self.put(message)

    def put(self, message: object) -> None:
        with self.lock:
            self.channel.send(message)


def _end_with_run(watched: Connection) -> None:
    """End this child as soon as the run's process is gone (or the step gave up on it)."""
    with contextlib.suppress(EOFError, OSError):
        watched.recv()
    os._exit(1)


def _portable(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes, each as it survives pickling (else a RuntimeError saying it,
    secrets masked)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        said = str(current)
        try:
            copy = pickle.loads(pickle.dumps(current))
            kept = current if type(copy) is type(current) and str(copy) == said else None
        except Exception:
            kept = None
        if redact(said) != said:  # a secret only this process knows (the database's password)
            kept = None
        chain.append(kept or RuntimeError(f"{type(current).__name__}: {redact(said)}"))
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return chain


def _linked(chain: list[BaseException]) -> BaseException:
    """The child's exception with its causes linked again (pickling drops them)."""
    for outer, inner in itertools.pairwise(chain):
        outer.__cause__ = inner
    return chain[0]


def levels() -> dict[str, int]:
    """The levels set on the loggers a child logs to, so it sends what this process keeps."""
    chosen = {name: logging.getLogger(name or None).level for name in ("", "lsw", "dlt")}
    return {name: level for name, level in chosen.items() if level != logging.NOTSET}


def work(
    job: Job, spec: ProviderSpec[Any], on_start: Callable[[], None], on_wait: Callable[[], None]
) -> Fetched:
    """Read the provider's configuration, build its source, load it; what it did."""
    provider = spec.name
    try:
        config = spec.read_config()
    except ConfigError as exc:
        return Fetched(provider, os.getpid(), problem=str(exc))
    if config is None:
        return Fetched(
            provider,
            os.getpid(),
            problem=f"{provider}: not configured: set sources.{provider} "
            f"(SOURCES__{provider.upper()}__...) in the environment or .dlt/",
        )
    on_start()
    config.start_clock()  # the provider's time budget counts from here
    report = RunReport(provider)
    if job.snapshot:
        assert spec.snapshot is not None
        source = spec.snapshot(config, report)
    else:
        assert job.start is not None and job.end is not None
        source = spec.source(config, job.start, job.end, report)
    source = source.with_resources(*job.resources)
    pipeline = working_pipeline(job.file, job.working_dir, provider)
    rows = load(job.file, pipeline, source, on_wait, job.turn)
    per_day, totals = {}, {}
    if job.snapshot and not report.failed:
        totals = _table_rows(job, spec)
    elif not job.snapshot:
        per_day = _rows_by_day(job, spec)
    return Fetched(
        provider,
        os.getpid(),
        per_day=per_day,
        totals=totals,
        errors=[str(error) for error in report.errors],
        warnings=list(report.warnings),
        requests=report.requests,
        rows=report.rows,
        pages=report.pages,
        incomplete=bool(report.incomplete),
        incomplete_days=report.incomplete_days(),
        rows_loaded=rows,
        tables={resource: table_of(source, resource) for resource in job.resources},
        columns={r: columns(pipeline, spec.table(r)) for r in job.resources},
    )


def _rows_by_day(job: Job, spec: ProviderSpec[Any]) -> dict[str, dict[date, int]]:
    """What each table now holds per day of the window, for the tables that have a day."""
    assert job.start is not None and job.end is not None
    tables = [t for t in spec.raw_tables if t.time_column and t.name in job.resources]
    counts: dict[str, dict[date, int]] = {}
    if not tables:
        return counts
    # on DuckDB a writing connection (under the writer lock), as every other step of the run
    # opens one: DuckDB refuses a read-only one in a process that has the file open for writing
    with run_turn(job.file, job.turn), open_store(job.file) as store:
        for table in tables:
            where, params = table.window(job.start, job.end)
            if not store.table_exists(spec.name, table.name):
                continue
            rows = store.run(
                f'select {table.day_sql()} as day, count(*) from {spec.name}."{table.name}" '
                f"where {where} group by {table.day_sql()}",
                params,
            )
            counts[table.name] = {day: int(n) for day, n in rows}
    return counts


def _table_rows(job: Job, spec: ProviderSpec[Any]) -> dict[str, int]:
    """Rows each (unpartitioned) table holds now, all snapshots included, by resource.

    A writing connection, as for the per-day counts: DuckDB refuses a read-only one in a
    process where another step holds a writing one."""
    totals = {}
    with run_turn(job.file, job.turn), open_store(job.file) as store:
        for resource in job.resources:
            table = spec.table(resource)
            if store.table_exists(spec.name, table):
                ((count,),) = store.run(f'select count(*) from {spec.name}."{table}"')
                totals[resource] = int(count)
    return totals
