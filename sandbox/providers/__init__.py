"""The provider services the sandbox serves, each under ``/<name>``."""

from __future__ import annotations

from sandbox.providers.base import ProviderService
from sandbox.providers.firework import FireworkService
from sandbox.providers.lisa import LisaService
from sandbox.providers.shopee import ShopeeService
from sandbox.providers.tiktok_shop import TikTokShopService
from sandbox.providers.trovo import TrovoService

SERVICES: tuple[type[ProviderService], ...] = (
    ShopeeService,
    TikTokShopService,
    FireworkService,
    TrovoService,
    LisaService,
    # more providers: one line each, in docs/contract.md order
)

__all__ = ["SERVICES", "ProviderService"]
