"""Provider configuration through dlt: skipped when absent, one line when half-written."""

from __future__ import annotations

import pytest

from pipelines.config import read_config, required_keys
from pipelines.errors import ConfigError
from pipelines.tiktok_shop.settings import TikTokShopConfig


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("SOURCES__TIKTOK_SHOP__"):
            monkeypatch.delenv(key)


def test_nothing_set_means_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_config(TikTokShopConfig) is None
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__TIMEOUT_S", "5")  # tuning alone is not config
    assert read_config(TikTokShopConfig) is None
    assert required_keys(TikTokShopConfig) == {"api_key", "seller_ids"}


def test_values_are_typed_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__API_KEY", "sk_live_0123456789")
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__SELLER_IDS", '[123, "456"]')
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__TIMEOUT_S", "2.5")
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__CONCURRENCY", "0")
    config = read_config(TikTokShopConfig)
    assert config is not None
    assert config.seller_ids == ["123", "456"]
    assert config.concurrency == 1 and config.max_credits_per_run == 500
    assert config.http().timeout_s == 2.5
    assert config.base_url == "https://api.keyapi.ai"


def test_half_written_and_mistyped_sections_are_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__API_KEY", "sk_live_0123456789")
    with pytest.raises(ConfigError) as missing:
        read_config(TikTokShopConfig)
    assert str(missing.value) == (
        "tiktok_shop: configuration: missing seller_ids in sources.tiktok_shop "
        "(.dlt/config.toml, .dlt/secrets.toml or SOURCES__TIKTOK_SHOP__SELLER_IDS)"
    )
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__SELLER_IDS", '["1"]')
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__RATE_LIMIT", "many")
    with pytest.raises(ConfigError) as mistyped:
        read_config(TikTokShopConfig)
    assert "sources.tiktok_shop.rate_limit: cannot be read" in str(mistyped.value)
    assert "sk_live" not in str(mistyped.value)
