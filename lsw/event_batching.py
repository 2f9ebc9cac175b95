"""Materialisation events in batches where the instance's storage writes a batch at once.

A ranged run records one materialisation event per asset and day. Dagster's PostgreSQL event
log stores a batch of them in one insert when ``DAGSTER_EVENT_BATCH_SIZE`` is set, and so does
lsw's default SQLite storage (dagster_project/event_storage.py); Dagster's own SQLite storage
writes them one by one either way. On PostgreSQL, batching takes a 90-day run's bookkeeping
from 94-164 ms to 8-11 ms an event on a busy machine (docs/benchmarks.md), so lsw turns it on
where it pays unless the variable is already set. A run killed mid-step loses the batch
it had not written yet: those days are not recorded as loaded, and the next run loads them
again, as for any interrupted day.
"""

from __future__ import annotations

import os

from dagster import DagsterInstance
from dagster_postgres import PostgresEventLogStorage

from dagster_project.event_storage import BatchedSqliteEventLogStorage

BATCH_ENV = "DAGSTER_EVENT_BATCH_SIZE"
POSTGRES_BATCH = "1000"


def batch_where_it_pays(instance: DagsterInstance) -> None:
    """Set ``DAGSTER_EVENT_BATCH_SIZE`` for this process when ``instance``'s event log writes
    a batch at once (PostgreSQL, lsw's SQLite storage)."""
    storage = instance.event_log_storage
    if isinstance(storage, PostgresEventLogStorage | BatchedSqliteEventLogStorage):
        os.environ.setdefault(BATCH_ENV, POSTGRES_BATCH)
