"""The one HTTP client every provider source pages its API with.

What lives here lives once: timeouts, retries with exponential backoff and jitter on connect
errors, timeouts, 429 and 5xx (honouring ``Retry-After`` and ``x-ratelimit-reset``), a
client-side rate limiter so a documented limit is never exceeded (shared by every process
using the same quota when ``shared_limit_key`` is set; see ``pipelines/ratelimit.py``), a
count of the requests actually sent (KeyAPI bills each one), a budget that stops paging
cleanly, and errors that name provider, endpoint and cause with secrets masked. Provider
quirks (envelopes, signing, paging) stay in the provider module.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from pipelines.errors import (
    AuthError,
    BudgetReached,
    CreditsExhausted,
    MalformedResponse,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RetryableStatus,
    TimeBudgetSpent,
    TransientMalformed,
)
from pipelines.ratelimit import QuotaWatch, RateHeaders, client_limit
from pipelines.redaction import redact, register_secret

log = logging.getLogger("lsw.http")
T = TypeVar("T")


@dataclass(frozen=True)
class HttpSettings:
    """Per-provider HTTP behaviour; every field can be set in the provider's config section.

    Attributes:
        timeout_s: how long one request may take before it counts as failed.
        max_attempts: attempts per request, the first included.
        backoff_s: first backoff delay; doubles per attempt, with jitter, up to backoff_max_s.
        backoff_max_s: cap on one backoff delay of our own choosing.
        retry_after_max_s: cap on a wait a provider asks for with ``Retry-After``; retrying
            sooner than asked only earns another refusal (and, at KeyAPI, costs a credit).
        rate_limit: at most this many requests per ``rate_window_s`` (None: no cap).
        rate_window_s: the rate limit's window.
        rate_slack_s: the window is counted this much longer than the provider's: it counts
            arrivals, and requests do not all take equally long to arrive.
        shared_limit_key: set (``ratelimit.limit_key(provider, client_id)``), the rate limit
            is one count for every process using that key, kept under the state directory;
            None counts this client's requests only.
        max_requests: stop (BudgetReached) before sending more than this many requests.
        time_budget_s: the provider's wall-time budget for one run (reported in the error).
        deadline: when that budget is spent (``time.monotonic()``); no request is sent, and
            no retry waited for, past it (TimeBudgetSpent), so a provider whose requests never
            answer ends within the budget plus one ``timeout_s``.
    """

    timeout_s: float = 30.0
    max_attempts: int = 5
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 300.0
    rate_limit: int | None = None
    rate_window_s: float = 1.0
    rate_slack_s: float = 0.25
    shared_limit_key: str | None = None
    max_requests: int | None = None
    time_budget_s: float | None = None
    deadline: float | None = None


@dataclass(frozen=True)
class Attempt:
    """Query parameters and headers made afresh for each attempt of a request.

    A provider that signs a timestamp (Shopee) must sign every attempt anew: a retry sent
    with the first attempt's signature would be refused once the timestamp is stale.
    """

    params: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError) or getattr(exc, "retryable", False)


class ProviderClient:
    """A provider's HTTP client: thread-safe, counted, rate-limited, retrying.

    Args:
        provider: provider name as in docs/contract.md, used in every error.
        base_url: the provider's base URL (configurable: the sandbox stands in for it).
        headers: headers for every request; an ``Authorization`` header's credential is
            masked wherever it appears.
        secrets: further values to mask wherever they appear (API keys sent as parameters,
            client secrets, tokens).
        settings: retry, timeout, rate and budget settings.
    """

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        secrets: tuple[str | None, ...] = (),
        settings: HttpSettings | None = None,
    ) -> None:
        self.provider = provider
        self.settings = settings or HttpSettings()
        for value in secrets:
            register_secret(value)
        for name, value in (headers or {}).items():
            if name.lower() == "authorization":  # "<scheme> <credential>": mask both forms
                register_secret(value)
                register_secret(value.partition(" ")[2])
        timeout = self.settings.timeout_s
        # Requests go straight to httpx's transport (its connection pool), built whole here:
        # httpx.Client's per-call merging of base URL, params, headers and cookies measured a
        # quarter of a page fetch's client time, for features (cookies, redirects, auth flows)
        # no provider call uses.
        self._base = base_url.rstrip("/")
        self._headers = dict(headers or {})
        self._timeout = _timeout(timeout)
        self._http = httpx.HTTPTransport(
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32)
        )
        self._limit = client_limit(
            self.settings.rate_limit,
            self.settings.rate_window_s,
            self.settings.rate_slack_s,
            self.settings.shared_limit_key,
        )
        self.quota = QuotaWatch(provider)
        self._count_lock = threading.Lock()
        self._in_flight = 0
        self.requests_made = 0

    def close(self) -> None:
        self._http.close()
        if self._limit is not None:
            self._limit.close()

    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        parse: Callable[[httpx.Response], T],
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        classify: Callable[[httpx.Response, str], None] | None = None,
        prepare: Callable[[], Attempt] | None = None,
        timeout_s: float | None = None,
        on_retry: Callable[[BaseException | None], None] | None = None,
    ) -> T:
        """Send with retries and return ``parse(response)``.

        ``classify`` may raise a provider-specific error for an answer whose HTTP status says
        success but whose body does not (Trovo's 11706, Shopee's envelope); by default the
        HTTP status decides. ``parse`` turns a good answer into data and raises
        MalformedResponse when the shape is wrong. ``prepare``, when given, is called just
        before each attempt is sent (after any rate-limit wait) for the parameters and headers
        that attempt adds to ``params`` and ``headers``: a signature over the current time.
        ``timeout_s`` overrides the client's timeout for this request; ``on_retry`` hears
        each failed attempt that is about to be retried (a call that must not be repeated
        blindly, such as a token rotation, needs to know an answer was lost on the way).
        """
        endpoint = f"{method} {path}"
        url = self._url(path, params)
        timeout = self._timeout if timeout_s is None else _timeout(timeout_s)

        def attempt() -> T:
            self._spend(endpoint)
            sent_url, sent_headers = url, headers
            if prepare is not None:
                fresh = prepare()
                sent_url = self._url(path, {**(params or {}), **fresh.params})
                sent_headers = {**(headers or {}), **fresh.headers} or None
            try:
                with self._flight() as others:
                    response = self._send(method, sent_url, json, data, sent_headers, timeout)
            except httpx.TransportError as exc:
                log.debug("%s: %s: %s", self.provider, endpoint, type(exc).__name__)
                raise
            if self._limit is None:
                self.quota.observe(response.headers, others)
            else:
                limit = self._limit
                self.quota.observe(response.headers, others, limit.taken(), limit.limit)
            (classify or self.classify)(response, endpoint)
            return parse(response)

        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            before_sleep=self._before_sleep(endpoint, on_retry),
            reraise=True,
        )
        try:
            return retrying(attempt)
        except BudgetReached:
            raise
        except RetryableStatus as exc:
            raise ProviderUnavailable(
                self.provider,
                endpoint,
                f"{exc.cause}, still after {self.settings.max_attempts} attempts",
                exc.status,
            ) from None
        except TransientMalformed as exc:
            raise MalformedResponse(self.provider, endpoint, exc.cause) from None
        except httpx.TransportError as exc:
            raise ProviderUnavailable(
                self.provider,
                endpoint,
                f"{transport_cause(exc)}, still after {self.settings.max_attempts} attempts",
            ) from None

    def _url(self, path: str, params: Mapping[str, Any] | None) -> str:
        return self._base + path + (f"?{urlencode(params, doseq=True)}" if params else "")

    def _send(
        self,
        method: str,
        url: str,
        json: Any,
        data: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        timeout: dict[str, float | None],
    ) -> httpx.Response:
        request = httpx.Request(
            method,
            url,
            json=json,
            data=data,
            headers={**self._headers, **headers} if headers else self._headers,
            extensions={"timeout": timeout},
        )
        response = self._http.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        response.request = request
        return response

    def classify(self, response: httpx.Response, endpoint: str) -> None:
        """Raise the error an HTTP status means; a 2xx passes."""
        status = response.status_code
        if status < 400:
            return
        cause = f"HTTP {status}: {error_message(response)}"
        if status == 429:
            raise RateLimited(self.provider, endpoint, cause, status, rate_limit_wait(response))
        if status >= 500:
            raise RetryableStatus(self.provider, endpoint, cause, status, retry_after(response))
        if status in (401, 403):
            raise AuthError(self.provider, endpoint, f"credentials refused ({cause})", status)
        if status == 402:
            raise CreditsExhausted(self.provider, endpoint, f"credits exhausted ({cause})", status)
        raise ProviderError(self.provider, endpoint, cause, status)

    def _spend(self, endpoint: str) -> None:
        deadline = self.settings.deadline
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeBudgetSpent(
                self.provider,
                endpoint,
                f"time budget of {self.settings.time_budget_s:g} s spent "
                f"(sources.{self.provider}.time_budget_s); what was fetched is loaded",
            )
        with self._count_lock:
            budget = self.settings.max_requests
            if budget is not None and self.requests_made >= budget:
                raise BudgetReached(f"{self.provider}: request budget of {budget} spent")
            self.requests_made += 1
        self.quota.wait()  # first: a slot taken, then held, would be counted too early
        if self._limit is not None:
            self._limit.take(self.provider)

    @contextmanager
    def _flight(self) -> Iterator[int]:
        """Count a request in flight; yields how many others are."""
        with self._count_lock:
            others = self._in_flight
            self._in_flight += 1
        try:
            yield others
        finally:
            with self._count_lock:
                self._in_flight -= 1

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = getattr(exc, "retry_after", None)
        if hinted is not None:
            wait = float(min(hinted, self.settings.retry_after_max_s))
            if isinstance(exc, RateLimited):  # every thread of this client waits it out
                self.quota.hold(time.time() + wait, f"refused for the rate limit ({exc.cause})")
            return self._before_deadline(wait)
        backoff = wait_exponential_jitter(
            multiplier=self.settings.backoff_s,
            max=self.settings.backoff_max_s,
            jitter=self.settings.backoff_s,
        )
        return self._before_deadline(float(backoff(state)))

    def _before_deadline(self, wait: float) -> float:
        """No wait outlasts the time budget: the attempt after it ends the provider at once."""
        if self.settings.deadline is None:
            return wait
        return max(0.0, min(wait, self.settings.deadline - time.monotonic()))

    def _before_sleep(
        self, endpoint: str, on_retry: Callable[[BaseException | None], None] | None
    ) -> Callable[[RetryCallState], None]:
        def note(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            if on_retry is not None:
                on_retry(exc)
            cause = exc.cause if isinstance(exc, ProviderError) else transport_cause(exc)
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning(
                "%s: %s: %s; retry %d in %.1fs",
                self.provider,
                endpoint,
                cause,
                state.attempt_number,
                wait,
            )

        return note


def _timeout(seconds: float) -> dict[str, float | None]:
    return httpx.Timeout(seconds, connect=min(10.0, seconds)).as_dict()


def answer_lost(exc: BaseException | None) -> bool:
    """Whether a failed attempt may have reached the provider and been acted on: its
    request went out and the answer did not come back (timed out or cut off while read)."""
    return isinstance(exc, httpx.ReadTimeout | httpx.ReadError | httpx.RemoteProtocolError)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds form), if any."""
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def rate_limit_wait(response: httpx.Response) -> float | None:
    """Seconds until a provider that refused for its rate limit takes requests again:
    ``Retry-After``, else the reset its ``x-ratelimit-reset`` header names, if any."""
    asked = retry_after(response)
    if asked is not None:
        return asked
    seen = RateHeaders.read(response.headers)
    if seen is not None and seen.reset_at is not None:
        return max(0.0, seen.reset_at - time.time())
    return None


def error_message(response: httpx.Response) -> str:
    """The message a provider put in an error body, whatever its envelope calls it."""
    try:
        body = response.json()
    except ValueError:
        return redact(response.text[:200].strip() or response.reason_phrase)
    if isinstance(body, dict):
        for key in ("message", "msg", "error_description", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return redact(body[key])
    return redact(str(body)[:200])


def transport_cause(exc: BaseException | None) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer within the timeout"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    return redact(f"{type(exc).__name__}: {exc}") if exc else "unknown"
