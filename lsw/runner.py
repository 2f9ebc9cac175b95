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
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    JobDefinition,
    RunsFilter,
)
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.execution.execute_in_process import core_execute_in_process

from dagster_project.threaded import DEFAULT_MAX_CONCURRENT, threaded_executor
from pipelines.redaction import redact
from warehouse.flock import file_lock

MARTS_GROUP = "marts"
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
    max_concurrent: int = DEFAULT_MAX_CONCURRENT,
) -> RunOutcome:
    """Load ``providers`` for days start..end (inclusive) and rebuild the marts for them.

    The providers run at once (``max_concurrent`` steps at a time); one that fails does not
    stop the others, and the marts are rebuilt in the same run from what was loaded.
    """
    outcome = RunOutcome()
    fail_abandoned_runs(_instance())
    keys = [*asset_keys(providers), *asset_keys([MARTS_GROUP])]
    _execute(keys, start, end, outcome, command, max_concurrent)
    return outcome


def _execute(
    keys: list[AssetKey],
    start: date,
    end: date,
    outcome: RunOutcome,
    command: str,
    max_concurrent: int,
) -> None:
    instance = _instance()
    job = _job().as_ephemeral_job(resource_defs={}, input_values={}, asset_selection=keys)
    tags = {
        "dagster/asset_partition_range_start": start.isoformat(),
        "dagster/asset_partition_range_end": end.isoformat(),
        "lsw/command": command,
        PID_TAG: str(os.getpid()),
        HOST_TAG: socket.gethostname(),
    }
    run_config = {**QUIET, "execution": {"config": {"max_concurrent": max_concurrent}}}
    result = core_execute_in_process(
        job=InMemoryJob(job.with_executor_def(threaded_executor)),
        run_config=run_config,
        instance=instance,
        output_capturing_enabled=False,
        raise_on_error=False,
        run_tags={**job.run_tags, **tags},
        asset_selection=frozenset(keys),
    )
    outcome.run_ids.append(result.run_id)
    for entry in instance.all_logs(result.run_id):
        level = entry.level if isinstance(entry.level, int) else logging.getLevelName(entry.level)
        message = redact(entry.user_message or "")
        wanted = entry.dagster_event is None and level >= logging.WARNING and message
        if wanted and message not in outcome.warnings:
            outcome.warnings.append(message)
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION and event.asset_key:
            outcome.materialized.add(event.asset_key)
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            line = _failure_line(event.step_key, event.event_specific_data)
            if line not in outcome.failures:  # the marts' own run may fail the same way
                outcome.failures.append(line)


def _instance() -> DagsterInstance:
    """The Dagster instance, its storage created by one process at a time.

    Dagster creates its SQLite tables on first use; two `lsw run`s starting on a new state
    directory would both try, and one would fail ("table ... already exists").
    """
    home = Path(os.environ.get("DAGSTER_HOME") or ".")
    with file_lock(home / ".lsw-init.lock").held(timeout_s=120):
        instance = DagsterInstance.get()
        instance.get_runs(limit=1)  # touches (so creates) the run and event storage
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
