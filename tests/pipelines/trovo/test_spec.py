"""What Trovo tells the rest of the product: its spec, its schedule, its configuration."""

from __future__ import annotations

import pytest
from dagster import AssetKey

from dagster_project.definitions import defs
from pipelines.errors import ConfigError
from pipelines.registry import ALL_PROVIDERS, SPECS
from pipelines.trovo import SPEC
from pipelines.trovo.settings import TrovoConfig


def test_the_spec_and_its_schedule() -> None:
    names = list(SPECS)
    assert SPECS["trovo"] is SPEC and names == [p for p in ALL_PROVIDERS if p in names]
    assert SPEC.resources == ("followers",)
    assert SPEC.snapshot_resources == (
        "channel_snapshots",
        "viewers",
        "top_channels",
        "subscribers",
    )
    assert [(t.name, t.time_column) for t in SPEC.raw_tables] == [
        ("channel_snapshots", None),
        ("followers", "followed_at"),
    ]
    schedule = defs.resolve_schedule_def("trovo__snapshots")
    assert schedule.cron_schedule == "*/5 * * * *" and schedule.execution_timezone == "UTC"
    job = defs.resolve_job_def("trovo__snapshot_job")
    assert set(job.asset_layer.executable_asset_keys) == {
        AssetKey(["trovo", name]) for name in SPEC.snapshot_resources
    }


def test_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__TROVO__CHANNEL_IDS", "[100000021, 100000021, 100000031]")
    config = SPEC.read_config()
    assert isinstance(config, TrovoConfig)
    assert config.channel_ids == ["100000021", "100000031"]  # strings, once each
    assert (config.rate_limit, config.rate_window_s) == (1200, 60.0)
    assert config.user_token
    monkeypatch.delenv("SOURCES__TROVO__CLIENT_SECRET")
    with pytest.raises(ConfigError) as caught:
        SPEC.read_config()
    assert str(caught.value) == (
        "trovo: configuration: refresh_token needs client_secret in sources.trovo "
        "(.dlt/secrets.toml or SOURCES__TROVO__CLIENT_SECRET): Trovo refreshes a token only "
        "with the client secret"
    )
    monkeypatch.delenv("SOURCES__TROVO__REFRESH_TOKEN")
    monkeypatch.delenv("SOURCES__TROVO__ACCESS_TOKEN")
    config = SPEC.read_config()
    assert config is not None and not config.user_token
