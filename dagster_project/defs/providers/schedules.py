"""Each provider loads by itself: its days every day, its point-in-time data on its cadence.

A daily schedule requests yesterday and ``lookback_days`` before it as one single-run
backfill; the marts follow those loads through their automation condition (defs/marts), not
through a cron guessing when loads end. A schedule whose provider is not configured (or is
misconfigured) skips with the reason in its tick history instead of launching a failing run.

Names: jobs end in ``__daily_job`` / ``__snapshot_job`` and schedules in ``__daily`` /
``__snapshots``, so none can clash with an asset's op (``<provider>``,
``<provider>_snapshots``) in the code location.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)
from dagster._utils.schedules import is_valid_cron_string
from dlt.common.configuration.accessors import config as dlt_config

from dagster_project.tags import provider_tag
from pipelines.config import DEFAULT_DAILY_CRON, ProviderConfig
from pipelines.errors import ConfigError
from pipelines.registry import SPECS
from pipelines.spec import ProviderSpec
from warehouse.calendar import RangeError, first_day

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
COMMAND_TAG = {"lsw/command": "schedule"}


def daily_job_name(provider: str) -> str:
    return f"{provider}__daily_job"


def snapshot_job_name(provider: str) -> str:
    return f"{provider}__snapshot_job"


def _cron(spec: ProviderSpec[Any], key: str, default: str) -> tuple[str, str | None]:
    """The cron the user set for ``key`` (read when the definitions load), else ``default``;
    with the problem to show on every tick when what was set is not a cron."""
    chosen = dlt_config.get(f"sources.{spec.name}.{key}", str)
    if not chosen:
        return default, None
    if not is_valid_cron_string(str(chosen)):
        return default, (
            f"{spec.name}: sources.{spec.name}.{key} = {chosen!r} is not a cron expression; "
            f"fix it and reload the code location (using {default!r} until then)"
        )
    return str(chosen), None


def _config(spec: ProviderSpec[Any]) -> ProviderConfig | str:
    """The provider's configuration, or why it cannot run now (unconfigured, misconfigured)."""
    try:
        config = spec.read_config()
    except ConfigError as exc:
        return str(exc)
    if config is None:
        return (
            f"{spec.name}: not configured: set sources.{spec.name} in .dlt/ or "
            f"SOURCES__{spec.name.upper()}__... for the code location"
        )
    return config


def daily_window(tick: datetime, lookback_days: int) -> tuple[date, date]:
    """Yesterday (of the tick, UTC) and ``lookback_days`` days before it, within partitions."""
    last = tick.astimezone(UTC).date() - timedelta(days=1)
    first = max(last - timedelta(days=max(0, lookback_days)), first_day())
    return first, last


def daily_schedule(spec: ProviderSpec[Any]) -> ScheduleDefinition:
    """Load yesterday plus the look-back of ``spec``'s history, as one run."""
    job = define_asset_job(
        daily_job_name(spec.name),
        selection=AssetSelection.assets(*(f"{spec.name}/{r}" for r in spec.resources)),
        tags={**COMMAND_TAG, **provider_tag([spec.name])},
        description=f"{spec.name}'s daily partitions (a single-run backfill per range)",
    )
    cron, bad_cron = _cron(spec, "daily_cron", DEFAULT_DAILY_CRON)

    @schedule(
        name=f"{spec.name}__daily",
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description=(
            f"Loads {spec.name}'s yesterday and sources.{spec.name}.lookback_days days before "
            f"it (default 2) in one run; the marts follow. Skips while {spec.name} is not "
            "configured."
        ),
    )
    def _daily(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        config = bad_cron or _config(spec)
        if isinstance(config, str):
            return SkipReason(config)
        tick = context.scheduled_execution_time or datetime.now(UTC)
        try:
            first, last = daily_window(tick, config.lookback_days)
        except RangeError as exc:
            return SkipReason(str(exc))
        if last < first:
            return SkipReason(f"{spec.name}: yesterday ({last}) is before the first partition")
        return RunRequest(
            run_key=f"{spec.name}:daily:{last.isoformat()}",
            tags={RANGE_START: first.isoformat(), RANGE_END: last.isoformat(), **COMMAND_TAG},
        )

    return _daily


def snapshot_schedule(spec: ProviderSpec[Any]) -> ScheduleDefinition:
    """Take ``spec``'s point-in-time data on its cadence (it cannot be backfilled)."""
    job = define_asset_job(
        snapshot_job_name(spec.name),
        selection=AssetSelection.assets(
            *(f"{spec.name}/{resource}" for resource in spec.snapshot_resources)
        ),
        tags={**COMMAND_TAG, **provider_tag([spec.name])},
        description=f"{spec.name}'s point-in-time data, appended and stamped observed_at",
    )
    cron, bad_cron = _cron(spec, "snapshot_cron", spec.snapshot_cron)

    @schedule(
        name=f"{spec.name}__snapshots",
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description=(
            f"Takes {spec.name}'s point-in-time data (sources.{spec.name}.snapshot_cron, "
            f"default {spec.snapshot_cron!r}). Skips while {spec.name} is not configured."
        ),
    )
    def _snapshots(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        config = bad_cron or _config(spec)
        if isinstance(config, str):
            return SkipReason(config)
        return RunRequest(tags=COMMAND_TAG)

    return _snapshots


SCHEDULES = [
    *(daily_schedule(spec) for spec in SPECS.values()),
    *(snapshot_schedule(spec) for spec in SPECS.values() if spec.snapshot is not None),
]
