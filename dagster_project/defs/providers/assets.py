"""Every registered provider's dlt assets: partitioned history, and point-in-time snapshots.

One factory for all providers: a provider appears here by being in ``pipelines/registry.py``.
"""

from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition
from dagster_dlt import dlt_assets

from dagster_project.dlt_run import run_provider
from dagster_project.partitions import daily, single_run
from dagster_project.resources import Warehouse, spec_pipeline
from dagster_project.translator import LswTranslator
from pipelines.registry import SPECS
from pipelines.spec import ProviderSpec, naming_source


def history_assets(spec: ProviderSpec[Any]) -> AssetsDefinition:
    """The provider's historical tables, one daily UTC partition per session date."""

    @dlt_assets(
        dlt_source=naming_source(spec.name, spec.resources),
        dlt_pipeline=spec_pipeline(spec.name),
        name=spec.name,
        dagster_dlt_translator=LswTranslator(spec),
        partitions_def=daily,
        backfill_policy=single_run,
    )
    def assets(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator[Any]:
        yield from run_provider(context, warehouse, spec)

    return assets


def snapshot_assets(spec: ProviderSpec[Any]) -> AssetsDefinition:
    """The provider's point-in-time tables: unpartitioned, appended, stamped observed_at."""

    @dlt_assets(
        dlt_source=naming_source(spec.name, spec.snapshot_resources),
        dlt_pipeline=spec_pipeline(spec.name),
        name=f"{spec.name}_snapshots",
        dagster_dlt_translator=LswTranslator(spec),
    )
    def assets(context: AssetExecutionContext, warehouse: Warehouse) -> Iterator[Any]:
        yield from run_provider(context, warehouse, spec, snapshot=True)

    return assets


PROVIDER_ASSETS: list[AssetsDefinition] = [
    *(history_assets(spec) for spec in SPECS.values()),
    *(snapshot_assets(spec) for spec in SPECS.values() if spec.snapshot is not None),
]
