"""Firework (Livestreams API) constants and configuration."""

from __future__ import annotations

from typing import ClassVar

from dlt.common.typing import TSecretStrValue

from pipelines.config import ProviderConfig, configspec, listed_in_file

PROVIDER = "firework"
DEFAULT_BASE_URL = "https://api.firework.com"
TOKEN_PATH = "/oauth/token"
DETAIL_PATH = "/api/v1/live_streams/{id}/detail"
# There is no list endpoint: every configured livestream costs one detail call per run, and
# the calls are independent, so many go at once.
DEFAULT_CONCURRENCY = 8
# A token (3600 s) is reused until this close to its expiry, then requested again.
TOKEN_MARGIN_S = 300.0
DOCUMENTS_PER_BATCH = 500  # livestream details per arrow batch handed to dlt


@configspec
class FireworkConfig(ProviderConfig):
    """Configuration keys of ``sources.firework`` (docs/contract.md), besides ProviderConfig's.

    Attributes:
        client_id: the OAuth app's client id.
        client_secret: its client secret (secret).
        livestream_ids: the livestreams to load (Firework has no way to list them).
        livestream_ids_file: instead, a JSON file holding that list (a long list does not
            fit in an environment variable).
        account_id: the label the livestreams carry in the warehouse; also names the token
            store entry, so two apps need two labels.
        concurrency: detail calls in flight at once.
    """

    provider: ClassVar[str] = PROVIDER

    client_id: str = None  # type: ignore[assignment]
    client_secret: TSecretStrValue = None  # type: ignore[assignment]
    livestream_ids: list[str] | None = None
    livestream_ids_file: str | None = None
    account_id: str = "default"
    base_url: str = DEFAULT_BASE_URL
    concurrency: int = DEFAULT_CONCURRENCY

    def on_resolved(self) -> None:
        listed = self.livestream_ids
        if listed is None:
            listed = listed_in_file(self.livestream_ids_file, "livestream_ids", PROVIDER)
        # ids are opaque strings; one listed twice is fetched once
        ids = (str(i).strip() for i in listed)
        self.livestream_ids = list(dict.fromkeys(i for i in ids if i))
        self.account_id = str(self.account_id).strip() or "default"
        self.client_id = str(self.client_id).strip()
        self.concurrency = max(1, self.concurrency)

    def ids(self) -> list[str]:
        """The configured livestream ids, from the key or its file (see on_resolved)."""
        return self.livestream_ids or []
