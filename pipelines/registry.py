"""Every provider the product knows, in docs/contract.md's order: the one list the rest iterates.

A provider whose source has not landed yet is known by name (the CLI accepts and skips it)
but has no spec.
"""

from __future__ import annotations

from typing import Any

from pipelines.firework import SPEC as FIREWORK
from pipelines.lisa import SPEC as LISA
from pipelines.shopee import SPEC as SHOPEE
from pipelines.spec import ProviderSpec
from pipelines.tiktok_shop import SPEC as TIKTOK_SHOP
from pipelines.trovo import SPEC as TROVO

ALL_PROVIDERS = ("shopee", "tiktok_shop", "firework", "trovo", "lisa")

SPECS: dict[str, ProviderSpec[Any]] = {
    spec.name: spec
    for spec in (
        SHOPEE,
        TIKTOK_SHOP,
        FIREWORK,
        TROVO,
        LISA,
    )
}


def spec(name: str) -> ProviderSpec[Any] | None:
    return SPECS.get(name)
