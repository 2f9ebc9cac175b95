"""Errors a provider run can end with, each naming the provider, the endpoint and the cause."""

from __future__ import annotations

from pipelines.redaction import redact


class ProviderError(Exception):
    """A provider call failed for good. ``str()`` is one line: provider, endpoint, cause."""

    retryable = False

    def __init__(self, provider: str, endpoint: str, cause: str, status: int | None = None):
        self.provider = provider
        self.endpoint = endpoint
        self.cause = redact(cause)
        self.status = status
        super().__init__(f"{provider}: {endpoint}: {self.cause}")


class AuthError(ProviderError):
    """Bad or expired credentials: retrying will not help."""


class CreditsExhausted(ProviderError):
    """The provider's paid quota is used up (KeyAPI's 402)."""


class MalformedResponse(ProviderError):
    """The answer does not match the provider's documented shape."""


class TransientMalformed(MalformedResponse):
    """A body that is not JSON at all (cut off in transit, a proxy's HTML page): worth a retry."""

    retryable = True


class ProviderUnavailable(ProviderError):
    """Connect errors, timeouts, 429 and 5xx that outlasted every retry."""


class RetryableStatus(ProviderError):
    """A 429 or 5xx answer; the retry policy decides whether to go again."""

    retryable = True

    def __init__(
        self, provider: str, endpoint: str, cause: str, status: int, retry_after: float | None
    ):
        super().__init__(provider, endpoint, cause, status)
        self.retry_after = retry_after


class RateLimited(RetryableStatus):
    """Refused for the provider's rate limit (HTTP 429, Trovo's 11706): every thread of the
    client waits until the reset, then the request goes again."""


class TimeBudgetSpent(ProviderError):
    """The provider's wall-time budget for the run is spent (requests that never answer, an
    endless backfill): it stops, what it fetched is loaded, the other providers go on."""


class BudgetReached(Exception):
    """The run's own request budget (``max_credits_per_run``) is spent: stop paging, keep rows."""


class ConfigError(Exception):
    """A provider's configuration is incomplete or malformed. ``str()`` is one line naming the
    provider and the keys (never their values)."""


class ConfigFileError(ConfigError):
    """A configuration file (``.dlt/config.toml``, ``.dlt/secrets.toml``) that cannot be read:
    every provider's problem, so ``str()`` names the file, not a provider."""


class PartialLoad(ProviderError):
    """The run stopped before reading everything (a request budget): what was read is loaded,
    the rest is named, and the partitions it leaves incomplete are not marked materialised."""
