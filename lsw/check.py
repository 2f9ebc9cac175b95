"""`lsw check`: one cheap call per configured provider to prove its credentials work."""

from __future__ import annotations

import dataclasses

from pipelines.errors import ProviderError
from pipelines.tiktok_shop.helpers import keyapi_client, parse_page
from pipelines.tiktok_shop.settings import ANALYTICS_PATH, TikTokShopConfig


def check_tiktok_shop(config: TikTokShopConfig) -> str:
    """KeyAPI has no free call: one request for one record of the first seller (1 credit)."""
    settings = dataclasses.replace(config.http, max_attempts=2, max_requests=2)
    with keyapi_client(config, settings) as client:
        params = {"seller_id": config.seller_ids[0], "page_num": 1, "page_size": 1}
        client.request("GET", ANALYTICS_PATH, parse_page, params=params)
        return f"ok ({client.requests_made} credit spent; KeyAPI has no free call)"


def _check_any(provider: str, config: object) -> str:
    if isinstance(config, TikTokShopConfig):
        return check_tiktok_shop(config)
    raise NotImplementedError(f"{provider}: no check yet")


def check(provider: str, config: object) -> tuple[bool, str]:
    """(ok, message) for one provider; a failure message names provider, endpoint and cause."""
    try:
        return True, _check_any(provider, config)
    except ProviderError as exc:
        return False, str(exc)
