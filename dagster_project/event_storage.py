"""Dagster's SQLite storage, writing a ranged run's materialisations in one transaction.

A run over a range of daily partitions records one materialisation event per asset and day
(365 days of all five providers and the marts: about 7,000). Dagster's SQLite event log writes
each event on its own: one connection and one commit to the run's file, then another to the
index file, each commit an fsync, about 20 ms per event on a quiet disk and most of a long
backfill's time. Dagster hands a storage the events of one ranged output together when
``DAGSTER_EVENT_BATCH_SIZE`` is set, but its SQLite storage then still writes them one by one.

This storage writes such a batch as two transactions (the run's file, the index file), with
the same rows Dagster's own writes: the files stay Dagster's SQLite layout, so the UI,
``dagster dev`` and any other process read them as ever. It is selected in dagster.yaml::

    storage:
      custom:
        module: dagster_project.event_storage
        class: BatchedSqliteStorage
        config:
          base_dir: /path/to/dagster_home
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from dagster import DagsterEventType
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationPlanned,
)
from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    SqlEventLogStorageTable,
)
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData, serialize_value

BATCH_SIZE_ENV = "DAGSTER_EVENT_BATCH_SIZE"
# a year of days is one batch; Dagster reads the variable when it hands events over
DEFAULT_BATCH_SIZE = "1000"


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose ``store_event_batch`` commits once per file, not per event."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data)
        # without it Dagster never hands a storage a batch; the process may have chosen a size
        os.environ.setdefault(BATCH_SIZE_ENV, DEFAULT_BATCH_SIZE)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> BatchedSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        # in order: a run of asset events together, anything else (a check's) on its own
        group: list[EventLogEntry] = []
        for event in events:
            if _batchable(event):
                group.append(event)
                continue
            self._store_together(group)
            group = []
            super().store_event_batch([event])
        self._store_together(group)

    def _store_together(self, events: Sequence[EventLogEntry]) -> None:
        """Asset events in one transaction per file, as store_event writes each of them.

        Each event is serialised once for both files (store_event does too), and the rows go
        as one executemany per file: building and compiling an insert per row cost more than
        writing it."""
        if len(events) < 2:
            super().store_event_batch(events)
            return
        rows = [self._event_to_row(event) for event in events]
        # run-sharded: one file per run; a batch is one step's output, so one run
        for run_id in dict.fromkeys(event.run_id for event in events):
            with self.run_connection(run_id) as conn:
                conn.execute(
                    SqlEventLogStorageTable.insert(),
                    [
                        row
                        for row, event in zip(rows, events, strict=True)
                        if event.run_id == run_id
                    ],
                )
        with self.index_transaction() as conn:
            inserted = conn.execute(
                SqlEventLogStorageTable.insert().returning(
                    SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
                ),
                rows,
            )
            ids = [int(event_id) for (event_id,) in inserted]
            assert len(ids) == len(events)  # an id per event, in the events' order
            self._store_asset_event_tags(conn, events, ids)
            # the asset's row keeps its latest event of each kind: write only the last ones
            latest: dict[tuple[str, DagsterEventType], tuple[EventLogEntry, int]] = {}
            for event, event_id in zip(events, ids, strict=True):
                dagster_event = event.get_dagster_event()
                key = (str(dagster_event.asset_key), dagster_event.event_type)
                latest.pop(key, None)  # re-inserted: the order is of each key's last event
                latest[key] = (event, event_id)
            for event, event_id in latest.values():
                self._store_asset_event(conn, event, event_id)

    def _store_asset_check_evaluation_planned(
        self, event: EventLogEntry, event_id: int | None
    ) -> None:
        """A check planned for a range: a row per partition, as Dagster writes them, with the
        event serialised once rather than once per partition (a year's range: 365 times)."""
        planned = event.get_dagster_event().event_specific_data
        assert isinstance(planned, AssetCheckEvaluationPlanned)
        subset = planned.partitions_subset
        partitions = subset.get_partition_keys() if subset else [None]
        row = {
            "asset_key": planned.asset_key.to_string(),
            "check_name": planned.check_name,
            "run_id": event.run_id,
            "execution_status": AssetCheckExecutionRecordStatus.PLANNED.value,
            "evaluation_event": serialize_value(event),
            "evaluation_event_timestamp": self._event_insert_timestamp(event),
            "evaluation_event_storage_id": event_id,
        }
        with self.index_connection() as conn:
            conn.execute(
                AssetCheckExecutionsTable.insert(),
                [{**row, "partition": partition} for partition in partitions],
            )


def _batchable(event: EventLogEntry) -> bool:
    """An asset event written as SqliteEventLogStorage.store_event would: no check or run
    status mirror to keep."""
    dagster_event = event.dagster_event
    return (
        dagster_event is not None
        and dagster_event.event_type in ASSET_EVENTS
        and dagster_event.event_type not in ASSET_CHECK_EVENTS
        and dagster_event.asset_key is not None
        and not dagster_event.is_asset_failed_to_materialize
    )


class BatchedSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage (same files) with BatchedSqliteEventLogStorage."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        # DagsterSqliteStorage.__init__ with its event log storage swapped (not built twice)
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = BatchedSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData, config_value: Any
    ) -> BatchedSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
