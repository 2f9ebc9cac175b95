"""Running one provider's dlt source for Dagster, the same way for every provider.

dlt's steps are run one by one rather than through ``pipeline.run`` so that only the steps
that write the warehouse (restoring dlt's state, loading) hold the writer lock: fetching,
which takes the time, runs while other processes write. The source records a provider error
instead of raising it mid-extract, so every row fetched before the failure is loaded; then the
partitions that were fully read are recorded as materialised, each with its own figures, and
the step fails with the one-line cause.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from datetime import date
from typing import Any, TypeVar

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    Failure,
    MaterializeResult,
    TableColumn,
    TableColumnConstraints,
    TableSchema,
)
from dlt import Pipeline
from dlt.pipeline.exceptions import PipelineStepFailed
from dlt.sources import DltSource

from dagster_project.partition_metadata import add_partition_metadata
from dagster_project.resources import Warehouse
from pipelines.errors import ConfigError
from pipelines.report import RunReport
from pipelines.spec import ProviderSpec
from pipelines.units import window_days
from warehouse import destination
from warehouse.db import WAITING, say_waiting
from warehouse.locks import LOAD_WAIT_S, OPEN_WAIT_S, while_locked, writer_lock
from warehouse.store import open_store

T = TypeVar("T")


def run_provider(
    context: AssetExecutionContext,
    warehouse: Warehouse,
    spec: ProviderSpec[Any],
    snapshot: bool = False,
) -> Iterator[MaterializeResult]:
    provider = spec.name
    try:
        config = spec.read_config()
    except ConfigError as exc:
        raise Failure(description=str(exc)) from None
    if config is None:
        raise Failure(
            description=f"{provider}: not configured: set sources.{provider} "
            f"(SOURCES__{provider.upper()}__...) in the environment or .dlt/"
        )
    config.start_clock()  # the provider's time budget counts from here
    report = RunReport(provider)
    keys = sorted(context.selected_asset_keys, key=lambda k: k.to_user_string())
    if snapshot:
        assert spec.snapshot is not None
        context.log.info(f"{provider}: taking a snapshot")
        source = spec.snapshot(config, report)
    else:
        window = context.partition_time_window
        context.log.info(f"{provider}: loading sessions of [{window.start}, {window.end})")
        source = spec.source(config, window.start, window.end, report)
    source = source.with_resources(*(key.path[-1] for key in keys))
    told = False

    def waiting() -> None:
        nonlocal told
        if not told:
            told = True
            say_waiting()  # on the terminal now; in the run's log for the UI
            context.log.info(f"{provider}: {WAITING}; nothing fetched is fetched again")

    run_id = context.run.run_id
    pipeline = warehouse.pipeline(provider, run_id)
    try:
        rows = load(warehouse, pipeline, source, waiting)
        described = {key: table_metadata(pipeline, spec, key.path[-1]) for key in keys}
    finally:
        shutil.rmtree(warehouse.working_dir(run_id) / f"lsw_{provider}", ignore_errors=True)
        with suppress(OSError):  # other providers of the run may still be using it
            warehouse.working_dir(run_id).rmdir()
    _record_run_figures(context, report, snapshot)
    for warning in report.warnings:
        context.log.warning(warning)
    if snapshot:
        if report.failed:
            raise Failure(description=str(report.errors[0]))
        totals = _table_rows(warehouse, spec, keys)
        for key in keys:
            table = _table_of(source, key.path[-1])
            yield MaterializeResult(
                asset_key=key,
                metadata={
                    **described[key],
                    "dagster/row_count": totals.get(key, 0),
                    "rows_loaded": rows.get(table, 0),
                },
            )
        return
    yield from _partition_results(context, warehouse, spec, keys, report, described)


def _table_of(source: DltSource, resource: str) -> str:
    """The table a resource writes: its own name unless it names another (``table_name=``)."""
    table = source.resources[resource].table_name
    return table if isinstance(table, str) else resource


def load(
    warehouse: Warehouse, pipeline: Pipeline, source: DltSource, on_wait: Callable[[], None]
) -> dict[str, int]:
    """Extract, normalise and load ``source``; rows loaded per table.

    Only restoring dlt's state from the warehouse and loading touch the destination. On the
    DuckDB file each holds the writer lock and waits out a reader's lock, so nothing fetched
    is fetched again; a server destination takes concurrent writers itself.
    """
    pipeline.drop()  # local working state is restored from the warehouse below
    _write(warehouse, pipeline.sync_destination, on_wait, OPEN_WAIT_S)
    file_format = destination.loader_format(pipeline.destination)
    if file_format == "csv":  # no nested values in csv: JSON text instead
        chosen = source.selected_resources.values() if isinstance(source, DltSource) else source
        for resource in chosen:
            resource.add_map(destination.nested_as_json)
    pipeline.extract(source, loader_file_format=file_format)
    normalized = pipeline.normalize()
    _write(warehouse, lambda: pipeline.load().raise_on_failed_jobs(), on_wait, LOAD_WAIT_S)
    return dict(normalized.row_counts) if normalized else {}


def _write(
    warehouse: Warehouse, action: Callable[[], T], on_wait: Callable[[], None], wait_s: float
) -> T:
    """``action`` under the DuckDB file's writer lock, a reader's lock waited out; on a
    server destination, which takes concurrent writers itself, just ``action``."""
    if not destination.is_duckdb():
        return action()
    with writer_lock(warehouse.file, on_wait=on_wait, max_wait_s=LOAD_WAIT_S):
        return while_locked(action, max_wait_s=wait_s, on_wait=on_wait)


def _partition_results(
    context: AssetExecutionContext,
    warehouse: Warehouse,
    spec: ProviderSpec[Any],
    keys: Sequence[AssetKey],
    report: RunReport,
    described: dict[AssetKey, dict[str, Any]],
) -> Iterator[MaterializeResult]:
    """Figures per partition (rows by day); partial days are not recorded as materialised."""
    window = context.partition_time_window
    days = window_days(window.start, window.end)
    per_day = _rows_by_day(warehouse, spec, keys, window.start, window.end)
    if not report.failed:
        figures: dict[tuple[AssetKey, str], dict[str, Any]] = {}
        for key in keys:
            for day in days:
                figures[key, day.isoformat()] = {
                    "dagster/row_count": per_day.get(key.path[-1], {}).get(day, 0)
                }
            # the columns once, on the latest day's event (the one the UI shows): on every
            # day's they made a year's events twice as slow to write
            figures[key, days[-1].isoformat()].update(described[key])
        add_partition_metadata(context, figures)
        for key in keys:
            yield MaterializeResult(asset_key=key)
        return
    partial = report.incomplete_days() if not report.errors or report.incomplete else set(days)
    whole = [day for day in days if day not in partial]
    for key in keys:
        for day in whole:
            context.log_event(
                AssetMaterialization(
                    asset_key=key,
                    partition=day.isoformat(),
                    metadata={
                        **described[key],
                        "dagster/row_count": per_day.get(key.path[-1], {}).get(day, 0),
                    },
                )
            )
    context.log.info(
        f"{spec.name}: {len(whole)} of {len(days)} days fully read and recorded as loaded"
    )
    raise Failure(description=str(report.errors[0]))


def _rows_by_day(
    warehouse: Warehouse,
    spec: ProviderSpec[Any],
    keys: Sequence[AssetKey],
    start: Any,
    end: Any,
) -> dict[str, dict[date, int]]:
    """What each table now holds per day of the window, for the tables that have a day."""
    chosen = {key.path[-1] for key in keys}
    tables = [t for t in spec.raw_tables if t.time_column and t.name in chosen]
    counts: dict[str, dict[date, int]] = {}
    if not tables:
        return counts
    # on DuckDB a writing connection (under the writer lock), as every other step of the run
    # opens one: DuckDB refuses a read-only one in a process that has the file open for writing
    with open_store(warehouse.file) as store:
        for table in tables:
            where, params = table.window(start, end)
            if not store.table_exists(spec.name, table.name):
                continue
            rows = store.run(
                f'select {table.day_sql()} as day, count(*) from {spec.name}."{table.name}" '
                f"where {where} group by {table.day_sql()}",
                params,
            )
            counts[table.name] = {day: int(n) for day, n in rows}
    return counts


def table_metadata(pipeline: Pipeline, spec: ProviderSpec[Any], resource: str) -> dict[str, Any]:
    """The loaded table's columns as dlt's schema now knows them (as dagster-dlt records)."""
    table = spec.table(resource)
    try:
        columns = pipeline.default_schema.get_table_columns(table)
    except (KeyError, PipelineStepFailed, ValueError):
        columns = {}
    schema = TableSchema(
        columns=[
            TableColumn(
                name,
                str(column.get("data_type", "unknown")),
                constraints=TableColumnConstraints(nullable=bool(column.get("nullable", True))),
            )
            for name, column in columns.items()
            if not name.startswith("_dlt_")
        ]
    )
    return {"dagster/column_schema": schema}


def _table_rows(
    warehouse: Warehouse, spec: ProviderSpec[Any], keys: Sequence[AssetKey]
) -> dict[AssetKey, int]:
    """Rows each (unpartitioned) table holds now, all snapshots included.

    A writing connection, as for the per-day counts: DuckDB refuses a read-only one in a
    process where another step holds a writing one."""
    totals = {}
    with open_store(warehouse.file) as store:
        for key in keys:
            table = spec.table(key.path[-1])
            if store.table_exists(spec.name, table):
                ((count,),) = store.run(f'select count(*) from {spec.name}."{table}"')
                totals[key] = int(count)
    return totals


def _record_run_figures(context: AssetExecutionContext, report: RunReport, snapshot: bool) -> None:
    """Run-wide figures once, as run tags (the UI's run list shows them), not per partition."""
    prefix = f"lsw/{report.provider}" + ("/snapshot" if snapshot else "")
    context.instance.add_run_tags(
        context.run.run_id,
        {
            f"{prefix}/requests": str(report.requests),
            f"{prefix}/pages": str(report.pages),
            f"{prefix}/rows_fetched": str(report.rows),
        },
    )
    context.log.info(
        f"{report.provider}: {report.rows} rows fetched in {report.pages} pages, "
        f"{report.requests} requests"
    )
