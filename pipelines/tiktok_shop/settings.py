"""TikTok Shop (KeyAPI) constants and configuration."""

from __future__ import annotations

from typing import ClassVar

from dlt.common.typing import TSecretStrValue

from pipelines.config import ProviderConfig, configspec

PROVIDER = "tiktok_shop"
DEFAULT_BASE_URL = "https://api.keyapi.ai"
ANALYTICS_PATH = "/v1/tiktok/shop/livestreams/analytics"
PAGE_SIZE = 10  # KeyAPI's maximum: more is a 400
MAX_PAGE_NUM = 100_000
DEFAULT_MAX_CREDITS = 500
ROWS_PER_BATCH = 5_000  # rows per arrow table handed to dlt


@configspec
class TikTokShopConfig(ProviderConfig):
    """Configuration keys of ``sources.tiktok_shop`` (docs/contract.md), besides ProviderConfig's.

    Attributes:
        api_key: KeyAPI key (secret).
        seller_ids: the shops to load.
        max_credits_per_run: requests one run may spend; paging stops cleanly there.
        concurrency: sellers paged at once.
    """

    provider: ClassVar[str] = PROVIDER

    api_key: TSecretStrValue = None  # type: ignore[assignment]
    seller_ids: list[str] = None  # type: ignore[assignment]
    base_url: str = DEFAULT_BASE_URL
    max_credits_per_run: int = DEFAULT_MAX_CREDITS

    def on_resolved(self) -> None:
        # ids are opaque strings, even when a TOML list or JSON holds them as numbers
        self.seller_ids = [str(s) for s in self.seller_ids]
        self.concurrency = max(1, self.concurrency)
