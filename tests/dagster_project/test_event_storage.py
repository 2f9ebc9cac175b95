"""lsw's Dagster storage: a batch of events leaves the files exactly as Dagster's own storage
writes them one by one, and a ranged run records every day without writing them singly."""

from __future__ import annotations

import sqlite3
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    AssetMaterialization,
    DagsterEventType,
    DagsterInstance,
    DailyPartitionsDefinition,
    TableSchema,
)
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationPlanned,
)
from dagster._core.events import DagsterEvent, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from dagster_project.event_storage import BatchedSqliteEventLogStorage
from lsw.runner import MARTS_GROUP, asset_keys, materialize
from warehouse import paths

RUN = "5a1d3b8e-0000-4000-8000-000000000001"
JOB = "__ASSET_JOB"
DAILY = DailyPartitionsDefinition(start_date="2026-01-01")
DAYS = [(date(2026, 1, 1) + timedelta(days=day)).isoformat() for day in range(20)]


def _entry(event: DagsterEvent, at: float) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level=20,
        user_message="",
        run_id=RUN,
        timestamp=at,
        step_key=event.step_key,
        job_name=JOB,
        dagster_event=event,
    )


def _events() -> list[EventLogEntry]:
    """A ranged output's materialisations of two assets, a check's planned event between."""
    at = time.time()
    entries = []
    for n, key in enumerate([AssetKey(["shopee", "sessions"]), AssetKey(["marts", "gmv"])]):
        for day, partition in enumerate(DAYS):
            materialization = AssetMaterialization(
                asset_key=key, partition=partition, metadata={"dagster/row_count": day * 7}
            )
            event = DagsterEvent(
                DagsterEventType.ASSET_MATERIALIZATION.value,
                job_name=JOB,
                event_specific_data=StepMaterializationData(materialization),
                step_key=key.path[0],
            )
            entries.append(_entry(event, at + n * 100 + day))
        planned = DagsterEvent(
            DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED.value,
            job_name=JOB,
            event_specific_data=AssetCheckEvaluationPlanned(
                asset_key=key,
                check_name="grain",
                # the marts' checks are planned for the run's range: a row per day
                partitions_subset=(
                    DAILY.subset_with_partition_keys(DAYS).to_serializable_subset() if n else None
                ),
            ),
            step_key=key.path[0],
        )
        entries.append(_entry(planned, at + n * 100 + 50))
    return entries


def _contents(folder: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of every file, without the columns SQLite fills with now."""
    found = {}
    for path in sorted(folder.glob("*.db")):
        with sqlite3.connect(path) as con:
            tables = [
                name
                for (name,) in con.execute("select name from sqlite_master where type = 'table'")
                if name not in ("alembic_version", "secondary_indexes")
            ]
            for table in tables:
                columns = [
                    f'"{column}"'
                    for _, column, *_ in con.execute(f'pragma table_info("{table}")')
                    if column not in ("create_timestamp", "update_timestamp")
                ]
                rows = con.execute(f'select {", ".join(columns)} from "{table}" order by 1')
                found[f"{path.name}:{table}"] = rows.fetchall()
    return found


def test_a_batch_is_stored_as_dagster_stores_each_event(tmp_path: Path) -> None:
    events = _events()
    one_by_one = SqliteEventLogStorage(str(tmp_path / "dagster"))
    for event in events:
        one_by_one.store_event(event)
    batched = BatchedSqliteEventLogStorage(str(tmp_path / "lsw"))
    batched.store_event_batch(events)

    ours, theirs = _contents(tmp_path / "lsw"), _contents(tmp_path / "dagster")
    assert ours == theirs
    assert len(ours[f"{RUN}.db:event_logs"]) == 42
    assert len(ours["index.db:asset_check_executions"]) == 1 + 20
    key = AssetKey(["shopee", "sessions"])
    assert len(batched.get_materialized_partitions(key)) == 20
    latest = batched.get_latest_materialization_events([key])[key]
    assert latest is not None and latest.dagster_event is not None
    assert latest.dagster_event.partition == "2026-01-20"


def test_a_ranged_run_records_every_day_in_batches(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    singly: list[str | None] = []  # the partitions of materialisations written on their own
    store_event = SqliteEventLogStorage.store_event

    def counted(self: SqliteEventLogStorage, event: EventLogEntry) -> None:
        if event.dagster_event_type == DagsterEventType.ASSET_MATERIALIZATION:
            singly.append(event.get_dagster_event().partition)
        store_event(self, event)

    monkeypatch.setattr(SqliteEventLogStorage, "store_event", counted)
    first, last = date(2026, 11, 15), date(2026, 11, 19)
    outcome = materialize(["tiktok_shop"], first, last)
    assert outcome.ok, outcome.failures

    instance = DagsterInstance.get()
    assert isinstance(instance.event_log_storage, BatchedSqliteEventLogStorage)
    livestreams = AssetKey(["tiktok_shop", "livestreams"])
    marts = asset_keys([MARTS_GROUP])
    days = {(first + timedelta(days=n)).isoformat() for n in range(5)}
    partitioned = [key for key in marts if instance.get_materialized_partitions(key)]
    assert len(partitioned) == 5
    for key in [livestreams, *partitioned]:
        assert instance.get_materialized_partitions(key) == days
    # 30 materialisations of days recorded, none of them written on its own: only the
    # unpartitioned assets' (the FX rates, the report) are
    logs = instance.all_logs(outcome.run_ids[0], of_type=DagsterEventType.ASSET_MATERIALIZATION)
    assert len(logs) == 30 + len(marts) - 5
    assert singly == [None] * (len(marts) - 5)

    # a provider's columns ride on its latest day's event only, the one the UI shows
    records = instance.fetch_materializations(livestreams, limit=10).records
    with_columns = [
        r.partition_key
        for r in records
        if r.asset_materialization is not None
        and "dagster/column_schema" in r.asset_materialization.metadata
    ]
    assert with_columns == ["2026-11-19"]
    latest = instance.get_latest_materialization_event(livestreams)
    assert latest is not None and latest.asset_materialization is not None
    schema = latest.asset_materialization.metadata["dagster/column_schema"].value
    assert isinstance(schema, TableSchema)
    assert "room_id" in {column.name for column in schema.columns}


def test_an_instance_lsw_wrote_before_is_moved_to_the_batched_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSW_WAREHOUSE", str(tmp_path / "w" / "warehouse.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LSW_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dagster.yaml").write_text(paths.OLD_DAGSTER_YAML)
    paths.prepare()
    assert (tmp_path / "home" / "dagster.yaml").read_text() == paths.DAGSTER_YAML
    # one the user edited is theirs
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    paths.prepare()
    assert (tmp_path / "home" / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"
