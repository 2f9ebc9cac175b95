"""TikTok Shop (KeyAPI) constants and configuration."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.config import Section
from pipelines.http import HttpSettings

PROVIDER = "tiktok_shop"
DEFAULT_BASE_URL = "https://api.keyapi.ai"
ANALYTICS_PATH = "/v1/tiktok/shop/livestreams/analytics"
PAGE_SIZE = 10  # KeyAPI's maximum: more is a 400
MAX_PAGE_NUM = 100_000
DEFAULT_MAX_CREDITS = 500
ROWS_PER_BATCH = 5_000  # rows per arrow table handed to dlt
DEFAULT_HTTP = HttpSettings()


@dataclass(frozen=True)
class TikTokShopConfig:
    """Configuration keys of ``sources.tiktok_shop`` (SPEC.md).

    Attributes:
        api_key: KeyAPI key (secret).
        seller_ids: the shops to load.
        base_url: KeyAPI's base URL.
        max_credits_per_run: requests one run may spend; paging stops cleanly there.
        concurrency: sellers paged at once (optional key).
        http: timeouts, retries and an optional client-side rate limit (optional keys).
    """

    api_key: str = field(repr=False)
    seller_ids: tuple[str, ...]
    base_url: str = DEFAULT_BASE_URL
    max_credits_per_run: int = DEFAULT_MAX_CREDITS
    concurrency: int = 4
    http: HttpSettings = DEFAULT_HTTP

    @classmethod
    def from_dlt(cls) -> TikTokShopConfig | None:
        """The configured provider, or None when it is not configured (then it is skipped)."""
        section = Section(PROVIDER)
        api_key = section.secret("api_key")
        seller_ids = section.get("seller_ids", list)
        if not api_key or not seller_ids:
            return None
        return cls(
            api_key=api_key,
            seller_ids=tuple(str(s) for s in seller_ids),
            base_url=section.get("base_url", str, DEFAULT_BASE_URL),
            max_credits_per_run=int(section.get("max_credits_per_run", int, DEFAULT_MAX_CREDITS)),
            concurrency=max(1, int(section.get("concurrency", int, 4))),
            http=section.http(DEFAULT_HTTP),
        )
