"""LiSA customer API constants and configuration."""

from __future__ import annotations

from typing import ClassVar

from dlt.common.typing import TSecretStrValue

from pipelines.config import ProviderConfig, configspec

PROVIDER = "lisa"
SHOWS_PATH = "/shows"
SHOWS_COUNT_PATH = "/shows/count"
CHANNELS_PATH = "/channels"
PAGE_SIZE = 100  # LiSA's maximum: more is a 400
# Archived shows are hidden unless asked for: every listing asks for every status.
ALL_STATUSES = "archived,draft,ready"
SORT = "date:asc"
DEFAULT_ACCOUNT_ID = "default"
DEFAULT_DATE_MARGIN_DAYS = 1
DEFAULT_MODIFIED_LOOKBACK_DAYS = 3
ROWS_PER_BATCH = 5_000  # rows per arrow table handed to dlt


@configspec
class LisaConfig(ProviderConfig):
    """Configuration keys of ``sources.lisa`` (docs/contract.md), besides ProviderConfig's.

    Attributes:
        api_key: the customer API key, sent as ``Authorization: ApiKey <key>`` (secret).
        account_id: the account label of shows that are in no channel.
        date_margin_days: days added on each side of a window when listing shows by their
            scheduled date, so a stream that starts after (or before) midnight of its
            scheduled day is still found; streams are then kept by their own start.
        modified_lookback_days: how far back the first incremental run (no mark yet) asks
            for modified shows.
    """

    provider: ClassVar[str] = PROVIDER

    api_key: TSecretStrValue = None  # type: ignore[assignment]
    account_id: str = DEFAULT_ACCOUNT_ID
    date_margin_days: int = DEFAULT_DATE_MARGIN_DAYS
    modified_lookback_days: float = DEFAULT_MODIFIED_LOOKBACK_DAYS

    def on_resolved(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.account_id = str(self.account_id).strip() or DEFAULT_ACCOUNT_ID
        self.date_margin_days = max(1, int(self.date_margin_days))
        self.modified_lookback_days = max(0.0, float(self.modified_lookback_days))
        self.concurrency = max(1, self.concurrency)
