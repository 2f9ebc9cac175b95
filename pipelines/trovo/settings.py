"""Trovo constants and configuration (``sources.trovo``)."""

from __future__ import annotations

from typing import ClassVar

from dlt.common.typing import TSecretStrValue

from pipelines.config import ProviderConfig, configspec
from pipelines.errors import ConfigError

PROVIDER = "trovo"
DEFAULT_BASE_URL = "https://open-api.trovo.live/openplatform"
TOKEN_ACCOUNT = "default"  # the token store's account for the one configured user token

FOLLOWERS_LIMIT = 100  # per page: the reference's maximum
SUBSCRIPTIONS_LIMIT = 100  # per page: the reference's maximum
TOP_CHANNELS_LIMIT = 100  # per page: the reference's maximum
VIEWERS_LIMIT = 100_000  # the reference's maximum (and default): one page for any real audience
MAX_PAGES = 100_000  # a guard against a server that keeps answering full pages forever
ROWS_PER_BATCH = 5_000  # rows per arrow table handed to dlt

RATE_LIMIT = 1200  # requests a minute per client id (reference, section 7)
RATE_WINDOW_S = 60.0


@configspec
class TrovoConfig(ProviderConfig):
    """Configuration keys of ``sources.trovo`` (docs/contract.md), besides ProviderConfig's.

    Attributes:
        client_id: the application's Client-ID (sent on every call; not a secret).
        channel_ids: the channels to load.
        client_secret: needed to refresh the user token (secret).
        access_token: a user token of one of the channels, for its subscribers (secret).
        refresh_token: renews that token when it expires (secret; needs client_secret).
        top_channels_category: list only this category's live channels (a category id).
        top_channels_max_pages: read at most this many pages (100 channels each) of the
            top channels list per snapshot.
        rate_limit / rate_window_s: the client id's limit, 1200 a minute unless Trovo
            granted more; shared by every process using the same client id.
    """

    provider: ClassVar[str] = PROVIDER

    client_id: str = None  # type: ignore[assignment]
    channel_ids: list[str] = None  # type: ignore[assignment]
    client_secret: TSecretStrValue | None = None
    access_token: TSecretStrValue | None = None
    refresh_token: TSecretStrValue | None = None
    top_channels_category: str | None = None
    top_channels_max_pages: int = 100
    base_url: str = DEFAULT_BASE_URL
    rate_limit: int | None = RATE_LIMIT
    rate_window_s: float = RATE_WINDOW_S

    def on_resolved(self) -> None:
        # ids are opaque strings, even when a TOML list or JSON holds them as numbers
        self.channel_ids = list(dict.fromkeys(str(c).strip() for c in self.channel_ids))
        self.client_id = str(self.client_id).strip()
        self.concurrency = max(1, self.concurrency)
        self.top_channels_max_pages = max(1, self.top_channels_max_pages)
        if self.top_channels_category is not None:
            self.top_channels_category = str(self.top_channels_category).strip() or None
        if self.refresh_token and not self.client_secret:
            raise ConfigError(
                f"{PROVIDER}: configuration: refresh_token needs client_secret in "
                f"sources.{PROVIDER} (.dlt/secrets.toml or SOURCES__TROVO__CLIENT_SECRET): "
                "Trovo refreshes a token only with the client secret"
            )

    @property
    def user_token(self) -> bool:
        """Whether subscriber data can be read (a token, or the means to get one)."""
        return bool(self.access_token or self.refresh_token)
