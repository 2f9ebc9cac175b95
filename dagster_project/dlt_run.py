"""Running one provider's dlt source for a partition window, the same way for every provider.

The source records a provider error instead of raising it mid-extract, so dlt loads every
row fetched before the failure; only then does the step fail, with the one-line error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue
from dagster_dlt import DagsterDltResource
from dlt import Pipeline
from dlt.pipeline.exceptions import PipelineStepFailed

from dagster_project.resources import Warehouse
from pipelines.errors import ConfigError
from pipelines.report import RunReport
from pipelines.spec import ProviderSpec
from warehouse.db import wait_for_writer_slot
from warehouse.locks import LOAD_WAIT_S, lock_conflict, while_locked


def run_provider(
    context: AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: Warehouse,
    spec: ProviderSpec[Any],
    snapshot: bool = False,
) -> Iterator[Any]:
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
    report = RunReport(provider)
    if snapshot:
        assert spec.snapshot is not None
        context.log.info(f"{provider}: taking a snapshot")
        source = spec.snapshot(config, report)
    else:
        window = context.partition_time_window
        context.log.info(f"{provider}: loading sessions of [{window.start}, {window.end})")
        source = spec.source(config, window.start, window.end, report)
    pipeline = warehouse.pipeline(provider)
    # dlt reads its state from the warehouse first and writes at the end; a reader in another
    # process (a notebook, `lsw sql`) must delay those writes, never fail them.
    wait_for_writer_slot(warehouse.file)
    try:
        for event in dlt.run(
            context=context, dlt_source=source, dlt_pipeline=pipeline, loader_file_format="parquet"
        ):
            if isinstance(event, MaterializeResult):
                event = MaterializeResult(
                    asset_key=event.asset_key,
                    metadata={**(event.metadata or {}), **_report_metadata(report)},
                )
            yield event
    except PipelineStepFailed as exc:
        if exc.step != "load" or not lock_conflict(exc):
            raise
        context.log.warning(
            f"{provider}: the warehouse is locked by another process; "
            "waiting to load what was already fetched"
        )
        _load_when_free(pipeline)
        for key in context.selected_asset_keys:
            yield MaterializeResult(asset_key=key, metadata=_report_metadata(report))
    for warning in report.warnings:
        context.log.warning(warning)
    if report.failed:
        raise Failure(description=str(report.errors[0]), metadata=_report_metadata(report))


def _load_when_free(pipeline: Pipeline) -> None:
    """Load the packages already extracted and normalised: nothing is fetched again."""
    while_locked(lambda: pipeline.load().raise_on_failed_jobs(), max_wait_s=LOAD_WAIT_S)


def _report_metadata(report: RunReport) -> dict[str, Any]:
    return {
        "lsw/rows_fetched": MetadataValue.int(report.rows),
        "lsw/pages": MetadataValue.int(report.pages),
        "lsw/requests": MetadataValue.int(report.requests),
        "lsw/warnings": MetadataValue.text("\n".join(report.warnings) or "none"),
        "lsw/errors": MetadataValue.text("\n".join(str(e) for e in report.errors) or "none"),
    }
