"""Telling one unlucky request from an outage, the same way for every provider.

A request that outlasted its retries (5xx, timeouts, an answer cut off) says little on its
own: at a 20% error rate some request will. Many in a row, each a different request, say the
provider is down, and going on would only spend time and (at KeyAPI) credits. A circuit
breaker (pybreaker) counts them: ``OUTAGE_AFTER`` item failures in a row, with no success
in between, open it, and the provider stops for this run; any success closes the count.
"""

from __future__ import annotations

from contextlib import suppress

import pybreaker

from pipelines.errors import AuthError, MalformedResponse, ProviderError, ProviderUnavailable

OUTAGE_AFTER = 5  # item failures in a row, each a different request, that mean an outage
_NEVER_S = 10.0**7  # the breaker stays open for the rest of the run


def retry_later(error: ProviderError | None) -> bool:
    """An error of this item only, worth one more try after the others: the request outlasted
    its retries or its answer was damaged. Refused credentials, an empty wallet, a wrong path
    fail every item alike and are not."""
    return isinstance(error, ProviderUnavailable | MalformedResponse) and not isinstance(
        error, AuthError
    )


class Outage:
    """Consecutive item failures of one provider's run; ``open`` once they mean an outage."""

    def __init__(self, provider: str, after: int = OUTAGE_AFTER) -> None:
        self.provider = provider
        self.after = after
        self.last: ProviderError | None = None
        self._breaker = pybreaker.CircuitBreaker(
            fail_max=after, reset_timeout=_NEVER_S, name=provider, throw_new_error_on_trip=False
        )

    @property
    def open(self) -> bool:
        return self._breaker.current_state == pybreaker.STATE_OPEN

    def succeeded(self) -> None:
        if not self.open:
            self._breaker.call(lambda: None)

    def failed(self, error: ProviderError) -> None:
        self.last = error

        def fail() -> None:
            raise error

        with suppress(ProviderError, pybreaker.CircuitBreakerError):
            self._breaker.call(fail)

    def error(self) -> ProviderUnavailable:
        """The line the provider's run ends with once the breaker is open."""
        last = self.last
        endpoint = last.endpoint if last is not None else "requests"
        cause = last.cause if last is not None else "failures"
        return ProviderUnavailable(
            self.provider,
            endpoint,
            f"{self.after} requests in a row failed for good, an outage: stopped for this run, "
            f"the next run fetches what is missing (last: {cause})",
        )
