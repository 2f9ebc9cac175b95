"""Point-in-time data cannot be backfilled, so it is taken on a schedule (docs/contract.md)."""

from typing import Any

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job
from dlt.common.configuration.accessors import config as dlt_config

from pipelines.registry import SPECS
from pipelines.spec import ProviderSpec


def _cron(spec: ProviderSpec[Any]) -> str:
    """``sources.<provider>.snapshot_cron`` if the user set it, else the provider's default."""
    chosen = dlt_config.get(f"sources.{spec.name}.snapshot_cron", str)
    return str(chosen) if chosen else spec.snapshot_cron


def snapshot_schedule(spec: ProviderSpec[Any]) -> ScheduleDefinition:
    job = define_asset_job(
        f"{spec.name}_snapshots",
        selection=AssetSelection.assets(
            *(f"{spec.name}/{resource}" for resource in spec.snapshot_resources)
        ),
        tags={"lsw/command": "schedule"},
    )
    return ScheduleDefinition(
        name=f"{spec.name}_snapshots_schedule",
        job=job,
        cron_schedule=_cron(spec),
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
    )


SCHEDULES = [snapshot_schedule(spec) for spec in SPECS.values() if spec.snapshot is not None]
