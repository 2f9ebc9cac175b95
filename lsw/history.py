"""Keep the Dagster run history bounded: old runs go once nothing they recorded is current.

A run's events are Dagster's record of which days are loaded (one materialisation per asset
and day, about 2 KB each, kept in two SQLite files), so every `lsw run` adds to the state
directory; a year of days adds about 15 MB. A run older than ``LSW_RUN_HISTORY_DAYS`` (30)
whose every materialisation has been superseded by a later one (the same asset and day loaded
again) says nothing the UI still shows, and is deleted with its logs. What remains is bounded
by one materialisation per asset and day, plus the recent runs (docs/orchestration.md).
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import AssetRecordsFilter, DagsterEventType, DagsterInstance, RunsFilter
from dagster._core.storage.dagster_run import FINISHED_STATUSES

from lsw.errors import UsageError

HISTORY_DAYS_ENV = "LSW_RUN_HISTORY_DAYS"
DEFAULT_HISTORY_DAYS = 30
_BATCH = 500  # storage ids per query


def history_days() -> float:
    raw = os.environ.get(HISTORY_DAYS_ENV, "")
    if not raw:
        return DEFAULT_HISTORY_DAYS
    try:
        days = float(raw)
    except ValueError:
        days = -1.0
    if days < 0:
        raise UsageError(f"{HISTORY_DAYS_ENV} must be a number of days (0 or more), got {raw!r}")
    return days


def prune_run_history(instance: DagsterInstance, keep_days: float | None = None) -> list[str]:
    """Delete the finished runs older than ``keep_days`` that hold no current materialisation.

    Returns the deleted run ids.
    """
    keep = history_days() if keep_days is None else keep_days
    before = datetime.now(UTC) - timedelta(days=keep)
    old = instance.get_runs(
        RunsFilter(statuses=list(FINISHED_STATUSES), updated_before=before), limit=1000
    )
    if not old:
        return []
    current = _runs_holding_current_materializations(instance)
    deleted = []
    for run in old:
        if run.run_id in current:
            continue
        instance.delete_run(run.run_id)
        _remove_logs(instance, run.run_id)
        deleted.append(run.run_id)
    return deleted


def _runs_holding_current_materializations(instance: DagsterInstance) -> set[str]:
    """The runs that recorded the latest materialisation of some asset (and day)."""
    holders: set[str] = set()
    for key in instance.get_asset_keys():
        latest = instance.get_latest_materialization_event(key)
        if latest is not None:
            holders.add(latest.run_id)
        ids = sorted(
            instance.get_latest_storage_id_by_partition(
                key, DagsterEventType.ASSET_MATERIALIZATION
            ).values()
        )
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            records = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=key, storage_ids=batch), limit=len(batch)
            ).records
            holders.update(record.run_id for record in records)
    return holders


def _remove_logs(instance: DagsterInstance, run_id: str) -> None:
    """What deleting the run leaves behind: its emptied event file, its captured output."""
    shards = getattr(instance.event_log_storage, "_base_dir", None)
    if isinstance(shards, str | Path):
        (Path(shards) / f"{run_id}.db").unlink(missing_ok=True)
    logs = getattr(instance.compute_log_manager, "_base_dir", None)
    if isinstance(logs, str | Path):
        shutil.rmtree(Path(logs) / run_id, ignore_errors=True)
