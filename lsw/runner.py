"""Materialise providers and marts for a range of days: one in-process Dagster run.

In-process because Dagster's multiprocess executor costs seconds per step, and one run for
the whole range because the assets use single-run backfill policies. The providers' steps run
at once, in threads (dagster_project/threaded.py), so a slow provider never holds up the
others; the marts follow once every provider has ended. The run is recorded in the Dagster
instance (DAGSTER_HOME), so it shows up in the UI's run history.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

from dagster import (
    AssetCheckSeverity,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    JobDefinition,
    RunsFilter,
)
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.events.log import EventLogEntry
from dagster._core.execution.execute_in_process import core_execute_in_process
from dagster._core.utils import make_new_run_id

from dagster_project.tags import provider_tag
from dagster_project.threaded import DEFAULT_MAX_CONCURRENT, steps_in_flight, threaded_executor
from lsw.errors import UsageError
from lsw.event_batching import batch_where_it_pays
from lsw.history import prune_run_history
from pipelines.redaction import redact
from warehouse import paths
from warehouse.flock import file_lock
from warehouse.publish import publish

MARTS_GROUP = "marts"
MAX_CONCURRENT_ENV = "LSW_MAX_CONCURRENT"
PID_TAG = "lsw/pid"
HOST_TAG = "lsw/host"
# The CLI prints one line per failure; tracebacks stay in the instance, for the UI.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class RunOutcome:
    """What happened: the run ids, and one line per failed step (provider: endpoint: cause)."""

    run_ids: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    materialized: set[AssetKey] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.failures


def _job() -> JobDefinition:
    from dagster_project.definitions import defs

    return defs.resolve_implicit_global_asset_job_def()


def asset_keys(groups: Sequence[str]) -> list[AssetKey]:
    """Every asset key of the named groups (a provider's group is its name)."""
    job = _job()
    return [
        key
        for key in job.asset_layer.asset_graph.get_all_asset_keys()
        if job.asset_layer.asset_graph.get(key).group_name in groups
    ]


def materialize(
    providers: Sequence[str],
    start: date,
    end: date,
    command: str = "run",
    max_concurrent: int | None = None,
    on_event: Callable[[EventLogEntry], None] | None = None,
) -> RunOutcome:
    """Load ``providers`` for days start..end (inclusive) and rebuild the marts for them.

    The providers run at once (``max_concurrent`` steps at a time, else ``LSW_MAX_CONCURRENT``,
    else 5); one that fails does not stop the others, and the marts are rebuilt in the same
    run from what was loaded. ``on_event`` is handed each of the run's Dagster events as it
    is stored (in the thread that stored it): the progress display counts them there.
    """
    max_concurrent = max_concurrent or _env_int(MAX_CONCURRENT_ENV, DEFAULT_MAX_CONCURRENT)
    outcome = RunOutcome()
    instance = _instance()
    fail_abandoned_runs(instance)
    prune_working_dirs(instance)
    prune_run_history(instance)
    keys = [*asset_keys(providers), *asset_keys([MARTS_GROUP])]
    run_id = make_new_run_id()
    with stopped_on_terminate(instance, run_id):
        _in_thread(
            lambda: _execute(
                instance,
                keys,
                providers,
                (start, end),
                outcome,
                command,
                max_concurrent,
                run_id,
                on_event,
            )
        )
    publish(paths.warehouse_path())  # readers open the copy, so they never delay a load
    return outcome


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"{name} must be a whole number from 1 up, got {raw!r}")
    return int(raw)


def _in_thread(work: Callable[[], None]) -> None:
    """Run ``work`` in a thread of its own while this (the main) thread waits for it.

    Dagster, run in the main thread, takes over SIGINT and SIGTERM for the run's duration
    and turns them into an error raised inside the steps, which then go on to the marts;
    off the main thread it leaves the signals to stopped_on_terminate.
    """
    errors: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the caller's thread as it is
            errors.append(exc)

    worker = threading.Thread(target=target, name="lsw-run", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.5)
    if errors:
        raise errors[0]


@contextmanager
def stopped_on_terminate(instance: DagsterInstance, run_id: str) -> Iterator[None]:
    """On SIGTERM (or Ctrl-C), stop at once: say what was interrupted, mark the run canceled,
    exit 143 (130).

    Nothing more is fetched and the marts are not rebuilt: whoever sent SIGTERM wants the
    process gone. What a provider had fetched but not loaded is left in its dlt folder, which
    the next run removes (prune_working_dirs); its days were not recorded as loaded, so the
    next run reads them again. A load under way is cut as a SIGKILL would cut it: DuckDB
    commits whole transactions, and dlt merges on the primary keys, so reloading is exact.
    The providers' processes (dagster_project/provider_process.py) end with this one.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _: FrameType | None) -> None:
        steps = steps_in_flight()
        doing = ", ".join(steps) if steps else "nothing (between steps)"
        name = signal.Signals(signum).name
        sys.stderr.write(
            f"interrupted ({name}): stopped {doing}; days not fully loaded are not recorded "
            f"as loaded, and the next run reads them again; marts not rebuilt (run {run_id})\n"
        )
        sys.stderr.flush()
        try:
            run = instance.get_run_by_id(run_id)
            if run is not None and not run.is_finished:
                instance.report_run_canceled(run, message=f"lsw: stopped by {name}")
        finally:
            os._exit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def prune_working_dirs(instance: DagsterInstance) -> list[str]:
    """Remove the dlt working folders of runs that are over (killed, crashed, terminated).

    A run killed between fetching and loading leaves its fetched rows there; its days were not
    recorded as loaded, so the next run fetches them again, and loading the old folder instead
    could write rows older than ones loaded since. A folder whose run is still going (another
    `lsw run` on this state directory) is kept.
    """
    root = paths.state_dir() / "dlt"
    removed = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        run = instance.get_run_by_id(folder.name)
        if run is not None and run.status in (DagsterRunStatus.STARTED, DagsterRunStatus.STARTING):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


def _execute(
    instance: DagsterInstance,
    keys: list[AssetKey],
    providers: Sequence[str],
    days: tuple[date, date],
    outcome: RunOutcome,
    command: str,
    max_concurrent: int,
    run_id: str,
    on_event: Callable[[EventLogEntry], None] | None,
) -> None:
    start, end = days
    job = _job().as_ephemeral_job(resource_defs={}, input_values={}, asset_selection=keys)
    tags = {
        "dagster/asset_partition_range_start": start.isoformat(),
        "dagster/asset_partition_range_end": end.isoformat(),
        "lsw/command": command,
        PID_TAG: str(os.getpid()),
        HOST_TAG: socket.gethostname(),
        **provider_tag(providers),
    }
    run_config = {**QUIET, "execution": {"config": {"max_concurrent": max_concurrent}}}
    # the steps' own log lines, as they are stored (reading the run's log back afterwards
    # would read every materialisation event too: thousands for a year)
    logged: list[EventLogEntry] = []

    def listen(entry: EventLogEntry) -> None:
        if entry.dagster_event is None:
            logged.append(entry)
        elif on_event is not None:
            on_event(entry)

    instance.add_event_listener(run_id, listen)
    result = core_execute_in_process(
        job=InMemoryJob(job.with_executor_def(threaded_executor)),
        run_config=run_config,
        instance=instance,
        output_capturing_enabled=False,
        raise_on_error=False,
        run_tags={**job.run_tags, **tags},
        run_id=run_id,
        asset_selection=frozenset(keys),
    )
    outcome.run_ids.append(result.run_id)
    for entry in logged:
        level = entry.level if isinstance(entry.level, int) else logging.getLevelName(entry.level)
        message = redact(entry.user_message or "")
        if level >= logging.WARNING and message and message not in outcome.warnings:
            outcome.warnings.append(message)
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION and event.asset_key:
            outcome.materialized.add(event.asset_key)
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            line = _failure_line(event.step_key, event.event_specific_data)
            if line not in outcome.failures:  # lisa and lisa_snapshots may fail the same way
                outcome.failures.append(line)
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            failed_check = _check_line(event.event_specific_data)
            if failed_check and failed_check not in outcome.failures:
                outcome.failures.append(failed_check)
        elif event.event_type == DagsterEventType.RUN_FAILURE and not outcome.failures:
            # the run itself failed, outside any step (Dagster's own machinery)
            outcome.failures.append(_failure_line("run", event.event_specific_data))


def _instance() -> DagsterInstance:
    """The Dagster instance, its storage created by one process at a time.

    Dagster creates its SQLite tables on first use; two `lsw run`s starting on a new state
    directory would both try, and one would fail ("table ... already exists").
    """
    home = Path(os.environ.get("DAGSTER_HOME") or ".")
    with file_lock(home / ".lsw-init.lock").held(timeout_s=120):
        try:
            instance = DagsterInstance.get()
        except ModuleNotFoundError as exc:
            if exc.name != "psycopg":
                raise
            raise UsageError(
                f"{home / 'dagster.yaml'}: a PostgreSQL URL written postgresql:// needs the "
                "psycopg 3 driver, which lsw does not install; write postgresql+psycopg2://... "
                "(docs/scale-out.md)"
            ) from None
        instance.get_runs(limit=1)  # touches (so creates) the run and event storage
    batch_where_it_pays(instance)
    return instance


def fail_abandoned_runs(instance: DagsterInstance) -> list[str]:
    """Mark failed the runs this machine started whose process is gone (killed, crashed).

    An in-process run whose process was SIGKILLed never reports its end, and would show as
    STARTED for ever; its pid tag says whether anyone is still running it.
    """
    host = socket.gethostname()
    failed = []
    for run in instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED])):
        pid = run.tags.get(PID_TAG)
        if run.tags.get(HOST_TAG) != host or not pid or _alive(int(pid)):
            continue
        instance.report_run_failed(run)
        failed.append(run.run_id)
    return failed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_line(data: Any) -> str | None:
    """A failed check of error severity, as the one line the CLI prints (warnings stay in
    the UI: a provider late by a day is not a failed run)."""
    if data is None or data.passed or data.severity != AssetCheckSeverity.ERROR:
        return None
    key = data.asset_check_key
    return f"check {key.asset_key.to_user_string()} {key.name}: {data.description}"


def _failure_line(step: str | None, data: Any) -> str:
    described = getattr(getattr(data, "user_failure_data", None), "description", None)
    if described:
        return str(described)
    # Dagster wraps what went wrong ("Error occurred while executing op ..."): report the cause
    error = getattr(data, "error", None)
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[union-attr]
    message = (getattr(error, "message", None) or "failed").strip().splitlines()[0]
    return f"{step}: {redact(message)}"
