"""Schedule ticks evaluated at a given time: the partitions they ask for, or why they skip."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import RunRequest, build_schedule_context

from dagster_project.defs.providers.schedules import (
    RANGE_END,
    RANGE_START,
    daily_schedule,
    snapshot_schedule,
)
from pipelines.registry import SPECS

TICK = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


def _tick(name: str, kind: str = "daily", at: datetime = TICK) -> object:
    spec = SPECS[name]
    schedule = daily_schedule(spec) if kind == "daily" else snapshot_schedule(spec)
    data = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=at))
    if data.skip_message:
        return data.skip_message
    [request] = data.run_requests or []
    assert isinstance(request, RunRequest)
    return request


def test_daily_tick_asks_for_yesterday_and_the_lookback_as_one_run(warehouse: Path) -> None:
    request = _tick("tiktok_shop")
    assert isinstance(request, RunRequest)
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2026-11-17", "2026-11-19")
    assert request.tags["lsw/command"] == "schedule"
    assert request.run_key == "tiktok_shop:daily:2026-11-19"


def test_lookback_days_is_read_per_provider(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__LOOKBACK_DAYS", "6")
    monkeypatch.setenv("SOURCES__SHOPEE__LOOKBACK_DAYS", "0")
    tiktok, shopee = _tick("tiktok_shop"), _tick("shopee")
    assert isinstance(tiktok, RunRequest) and isinstance(shopee, RunRequest)
    assert (tiktok.tags[RANGE_START], tiktok.tags[RANGE_END]) == ("2026-11-13", "2026-11-19")
    assert (shopee.tags[RANGE_START], shopee.tags[RANGE_END]) == ("2026-11-19", "2026-11-19")


def test_the_lookback_stops_at_the_first_partition(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSW_PARTITIONS_START", "2026-11-18")
    request = _tick("tiktok_shop")
    assert isinstance(request, RunRequest)
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2026-11-18", "2026-11-19")


def test_unconfigured_providers_skip_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("SOURCES__")]:
        monkeypatch.delenv(key)
    assert _tick("firework") == (
        "firework: not configured: set sources.firework in .dlt/ or SOURCES__FIREWORK__... "
        "for the code location"
    )
    assert str(_tick("trovo", "snapshot")).startswith("trovo: not configured")


def test_a_misconfigured_provider_skips_naming_the_key(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__MAX_CREDITS_PER_RUN", "abc")
    assert _tick("tiktok_shop") == (
        "tiktok_shop: configuration: sources.tiktok_shop.max_credits_per_run: cannot be read as int"
    )
    assert isinstance(_tick("shopee"), RunRequest)  # the others still run


def test_cron_keys_set_the_cadence_and_a_bad_one_is_shown_on_every_tick(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__FIREWORK__DAILY_CRON", "0 6 * * *")
    monkeypatch.setenv("SOURCES__FIREWORK__SNAPSHOT_CRON", "*/15 * * * *")
    assert daily_schedule(SPECS["firework"]).cron_schedule == "0 6 * * *"
    assert snapshot_schedule(SPECS["firework"]).cron_schedule == "*/15 * * * *"
    assert daily_schedule(SPECS["lisa"]).cron_schedule == "30 1 * * *"
    monkeypatch.setenv("SOURCES__LISA__DAILY_CRON", "every day")
    assert daily_schedule(SPECS["lisa"]).cron_schedule == "30 1 * * *"
    assert _tick("lisa") == (
        "lisa: sources.lisa.daily_cron = 'every day' is not a cron expression; fix it and "
        "reload the code location (using '30 1 * * *' until then)"
    )


def test_configured_snapshots_launch(warehouse: Path) -> None:
    request = _tick("trovo", "snapshot")
    assert isinstance(request, RunRequest) and request.tags["lsw/command"] == "schedule"
