"""Loading one provider's dlt source into the warehouse: no Dagster here.

Kept apart from the Dagster step (dagster_project/dlt_run.py) because it runs in a process
of its own (dagster_project/provider_process.py), which then imports only dlt and the
providers. dlt's steps are run one by one rather than through ``pipeline.run`` so that only
the steps that write the warehouse (restoring dlt's state, loading) hold the writer lock:
fetching, which takes the time, runs while other processes write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import dlt
from dlt import Pipeline
from dlt.pipeline.exceptions import PipelineStepFailed
from dlt.sources import DltSource

from pipelines.redaction import register_secret
from warehouse import destination
from warehouse.flock import LockTimeout, file_lock
from warehouse.locks import LOAD_WAIT_S, OPEN_WAIT_S, WarehouseBusy, while_locked, writer_lock

T = TypeVar("T")
Column = tuple[str, str, bool]  # name, dlt data type, nullable


def working_pipeline(file: Path, working_dir: Path, provider: str) -> Pipeline:
    """A dlt pipeline loading ``provider``'s raw tables into schema (dataset) ``provider``
    of the configured destination, its local files in ``working_dir``."""
    file.parent.mkdir(parents=True, exist_ok=True)
    working_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    pipeline = dlt.pipeline(
        pipeline_name=f"lsw_{provider}",
        destination=destination.reference(file),
        dataset_name=provider,
        pipelines_dir=str(working_dir),
    )
    if not destination.is_duckdb():
        _mask_password(pipeline)
    return pipeline


def _mask_password(pipeline: Pipeline) -> None:
    """The destination's password is masked in every log line and error from now on."""
    try:
        credentials = pipeline.destination_client().config.credentials
    except Exception:  # unresolved configuration: the load fails with dlt's own message
        return
    register_secret(getattr(credentials, "password", None))


def load(
    file: Path,
    pipeline: Pipeline,
    source: DltSource,
    on_wait: Callable[[], None],
    turn: Path | None = None,
) -> dict[str, int]:
    """Extract, normalise and load ``source`` into the warehouse ``file``; rows loaded per table.

    Only restoring dlt's state from the warehouse and loading touch the destination. On the
    DuckDB file each holds the writer lock and waits out a reader's lock, so nothing fetched
    is fetched again; a server destination takes concurrent writers itself. ``turn`` is a
    lock the providers of one run (each in a process of its own) take first, so that waiting
    for each other is not reported as waiting for another process.
    """
    pipeline.drop()  # local working state is restored from the warehouse below
    _write(file, pipeline.sync_destination, on_wait, OPEN_WAIT_S, turn)
    file_format = destination.loader_format(pipeline.destination)
    if file_format == "csv":  # no nested values in csv: JSON text instead
        chosen = source.selected_resources.values() if isinstance(source, DltSource) else source
        for resource in chosen:
            resource.add_map(destination.nested_as_json)
    pipeline.extract(source, loader_file_format=file_format)
    normalized = pipeline.normalize()
    _write(file, lambda: pipeline.load().raise_on_failed_jobs(), on_wait, LOAD_WAIT_S, turn)
    return dict(normalized.row_counts) if normalized else {}


def _write(
    file: Path,
    action: Callable[[], T],
    on_wait: Callable[[], None],
    wait_s: float,
    turn: Path | None,
) -> T:
    """``action`` under the DuckDB file's writer lock, a reader's lock waited out; on a
    server destination, which takes concurrent writers itself, just ``action``."""
    if not destination.is_duckdb():
        return action()
    with run_turn(file, turn), writer_lock(file, on_wait=on_wait, max_wait_s=LOAD_WAIT_S):
        return while_locked(action, max_wait_s=wait_s, on_wait=on_wait)


@contextmanager
def run_turn(file: Path, turn: Path | None) -> Iterator[None]:
    """The run's own turn at writing ``file`` (``turn`` is the run's lock file), if any."""
    if turn is None:
        yield
        return
    try:
        with file_lock(turn).held(LOAD_WAIT_S):
            yield
    except LockTimeout:
        raise WarehouseBusy(
            f"{file}: held by another process for over {LOAD_WAIT_S:.0f} s; "
            "try again when it has finished"
        ) from None


def columns(pipeline: Pipeline, table: str) -> list[Column]:
    """The loaded table's columns as dlt's schema now knows them (dlt's own left out)."""
    try:
        known = pipeline.default_schema.get_table_columns(table)
    except (KeyError, PipelineStepFailed, ValueError):
        known = {}
    return [
        (name, str(column.get("data_type", "unknown")), bool(column.get("nullable", True)))
        for name, column in known.items()
        if not name.startswith("_dlt_")
    ]


def table_of(source: DltSource, resource: str) -> str:
    """The table a resource writes: its own name unless it names another (``table_name=``)."""
    table = source.resources[resource].table_name
    return table if isinstance(table, str) else resource
