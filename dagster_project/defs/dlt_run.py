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
from dlt.sources import DltSource

from dagster_project.resources import Warehouse
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
    for event in dlt.run(
        context=context,
        dlt_source=source,
        dlt_pipeline=warehouse.pipeline(provider),
        loader_file_format="parquet",
    ):
        if isinstance(event, MaterializeResult):
            event = MaterializeResult(
                asset_key=event.asset_key,
                metadata={**(event.metadata or {}), **_report_metadata(report)},
            )
        yield event
    for warning in report.warnings:
        context.log.warning(warning)
    if report.failed:
        raise Failure(description=str(report.errors[0]), metadata=_report_metadata(report))


def _report_metadata(report: RunReport) -> dict[str, Any]:
    return {
        "lsw/rows_fetched": MetadataValue.int(report.rows),
        "lsw/pages": MetadataValue.int(report.pages),
        "lsw/requests": MetadataValue.int(report.requests),
        "lsw/warnings": MetadataValue.text("\n".join(report.warnings) or "none"),
        "lsw/errors": MetadataValue.text("\n".join(str(e) for e in report.errors) or "none"),
    }
