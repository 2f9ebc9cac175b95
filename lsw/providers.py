"""The providers `lsw` knows, and how to tell whether each is configured."""

from __future__ import annotations

from collections.abc import Callable

from pipelines.tiktok_shop.settings import TikTokShopConfig

ALL_PROVIDERS = ("shopee", "tiktok_shop", "firework", "trovo", "lisa")

# provider -> reads its configuration (None when unconfigured); providers whose source has not
# landed yet are known by name but never configured.
CONFIG_READERS: dict[str, Callable[[], object | None]] = {
    "tiktok_shop": TikTokShopConfig.from_dlt,
}


def configured(provider: str) -> object | None:
    reader = CONFIG_READERS.get(provider)
    return reader() if reader else None


def implemented(provider: str) -> bool:
    return provider in CONFIG_READERS
