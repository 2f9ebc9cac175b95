"""The provider services the sandbox serves, each under ``/<name>``."""

from __future__ import annotations

from sandbox.providers.base import ProviderService
from sandbox.providers.tiktok_shop import TikTokShopService

SERVICES: tuple[type[ProviderService], ...] = (
    TikTokShopService,
    # more providers: one line each, in SPEC.md order
)

__all__ = ["SERVICES", "ProviderService"]
