"""Running one provider's dlt source for Dagster, the same way for every provider.

The dlt work (configuration, source, extract, normalise, load: dagster_project/dlt_load.py)
runs in a process of its own (dagster_project/provider_process.py); this, the step's thread
in the run's process, logs, records what was loaded and fails the step. The source records
a provider error instead of raising it mid-extract, so every row fetched before the failure
is loaded; then the partitions that were fully read are recorded as materialised, each with
its own figures, and the step fails with the one-line cause.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

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
from dlt.sources import DltSource

from dagster_project import dlt_load
from dagster_project.dlt_load import Column
from dagster_project.partition_metadata import add_partition_metadata
from dagster_project.provider_process import Fetched, Job, ProcessEnded, fetch, levels
from dagster_project.resources import Warehouse
from pipelines.spec import ProviderSpec
from pipelines.units import window_days
from warehouse import destination
from warehouse.db import WAITING, say_waiting

TURN = ".turn.lock"


def run_provider(
    context: AssetExecutionContext,
    warehouse: Warehouse,
    spec: ProviderSpec[Any],
    snapshot: bool = False,
) -> Iterator[MaterializeResult]:
    provider = spec.name
    keys = sorted(context.selected_asset_keys, key=lambda k: k.to_user_string())
    window = None if snapshot else context.partition_time_window
    run_id = context.run.run_id
    job = Job(
        provider=provider,
        snapshot=snapshot,
        start=window.start if window else None,
        end=window.end if window else None,
        resources=tuple(key.path[-1] for key in keys),
        file=warehouse.file,
        working_dir=warehouse.working_dir(run_id),
        turn=_turn(warehouse, run_id),
        environ=dict(os.environ),
        levels=levels(),
    )

    def started() -> None:
        if window is None:
            context.log.info(f"{provider}: taking a snapshot")
        else:
            context.log.info(f"{provider}: loading sessions of [{window.start}, {window.end})")

    told = False

    def waiting() -> None:
        nonlocal told
        if not told:
            told = True
            say_waiting()  # on the terminal now; in the run's log for the UI
            context.log.info(f"{provider}: {WAITING}; nothing fetched is fetched again")

    try:
        fetched = fetch(job, spec, started, waiting)
    except ProcessEnded as exc:
        raise Failure(description=str(exc)) from None
    finally:
        _clean_up(warehouse, run_id, provider)
    if fetched.problem is not None:
        raise Failure(description=fetched.problem)
    context.log.debug(f"{provider}: fetched and loaded by process {fetched.pid}")
    described = {key: _schema(fetched.columns[key.path[-1]]) for key in keys}
    _record_run_figures(context, fetched, snapshot)
    for warning in fetched.warnings:
        context.log.warning(warning)
    if snapshot:
        if fetched.failed:
            raise Failure(description=fetched.errors[0])
        for key in keys:
            table = fetched.tables[key.path[-1]]
            yield MaterializeResult(
                asset_key=key,
                metadata={
                    **described[key],
                    "dagster/row_count": fetched.totals.get(key.path[-1], 0),
                    "rows_loaded": fetched.rows_loaded.get(table, 0),
                },
            )
        return
    yield from _partition_results(context, warehouse, spec, keys, fetched, described)


def _turn(warehouse: Warehouse, run_id: str) -> Path | None:
    """The lock file the run's providers (each in a process of its own) take before the
    warehouse's writer lock: waiting for one another is not news, waiting for another
    process (another run, `lsw sql`) is, and only that is said. DuckDB only."""
    return warehouse.working_dir(run_id) / TURN if destination.is_duckdb() else None


def _clean_up(warehouse: Warehouse, run_id: str, provider: str) -> None:
    """Remove the provider's dlt folder. The run's folder (and the turn lock in it) goes when
    the run ends (``remove_working_dir``): a step that removed it once it looked unused took
    it from under another provider whose process had just made it, and could unlink the
    lock another provider held (a provider failing at once made Firework's load fail)."""
    shutil.rmtree(warehouse.working_dir(run_id) / f"lsw_{provider}", ignore_errors=True)


def load(
    warehouse: Warehouse, pipeline: Pipeline, source: DltSource, on_wait: Callable[[], None]
) -> dict[str, int]:
    """Extract, normalise and load ``source`` into the warehouse (dagster_project/dlt_load.py)."""
    return dlt_load.load(warehouse.file, pipeline, source, on_wait)


def _partition_results(
    context: AssetExecutionContext,
    warehouse: Warehouse,
    spec: ProviderSpec[Any],
    keys: Sequence[AssetKey],
    report: Fetched,
    described: dict[AssetKey, dict[str, Any]],
) -> Iterator[MaterializeResult]:
    """Figures per partition (rows by day); partial days are not recorded as materialised."""
    window = context.partition_time_window
    days = window_days(window.start, window.end)
    per_day = report.per_day
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
    partial = report.incomplete_days if not report.errors or report.incomplete else set(days)
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
    raise Failure(description=report.errors[0])


def _schema(columns: list[Column]) -> dict[str, Any]:
    """The loaded table's columns as dlt's schema knew them (as dagster-dlt records)."""
    schema = TableSchema(
        columns=[
            TableColumn(name, data_type, constraints=TableColumnConstraints(nullable=nullable))
            for name, data_type, nullable in columns
        ]
    )
    return {"dagster/column_schema": schema}


def _record_run_figures(context: AssetExecutionContext, report: Fetched, snapshot: bool) -> None:
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
