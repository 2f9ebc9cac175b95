"""Running one provider's dlt source for a partition window, the same way for every provider.

The source records a provider error instead of raising it mid-extract, so dlt loads every
row fetched before the failure; only then does the step fail, with the one-line error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue
from dagster_dlt import DagsterDltResource
from dlt import Pipeline
from dlt.pipeline.exceptions import PipelineStepFailed
from dlt.sources import DltSource
from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential_jitter

from dagster_project.resources import Warehouse
from lsw.warehouse import lock_conflict, wait_for_writer_slot
from pipelines.report import RunReport

SourceFactory = Callable[[Any, datetime, datetime, RunReport], DltSource]


def run_provider(
    context: AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: Warehouse,
    provider: str,
    config: object | None,
    make_source: SourceFactory,
) -> Iterator[Any]:
    if config is None:
        raise Failure(
            description=f"{provider}: not configured: set sources.{provider} "
            f"(SOURCES__{provider.upper()}__...) in the environment or .dlt/"
        )
    window = context.partition_time_window
    report = RunReport(provider)
    context.log.info(f"{provider}: loading sessions that started in [{window.start}, {window.end})")
    source = make_source(config, window.start, window.end, report)
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


@retry(
    retry=retry_if_exception(lock_conflict),
    wait=wait_exponential_jitter(multiplier=0.5, max=10),
    stop=stop_after_delay(600),
    reraise=True,
)
def _load_when_free(pipeline: Pipeline) -> None:
    """Load the packages already extracted and normalised: nothing is fetched again."""
    pipeline.load().raise_on_failed_jobs()


def _report_metadata(report: RunReport) -> dict[str, Any]:
    return {
        "lsw/rows_fetched": MetadataValue.int(report.rows),
        "lsw/pages": MetadataValue.int(report.pages),
        "lsw/requests": MetadataValue.int(report.requests),
        "lsw/warnings": MetadataValue.text("\n".join(report.warnings) or "none"),
        "lsw/errors": MetadataValue.text("\n".join(str(e) for e in report.errors) or "none"),
    }
