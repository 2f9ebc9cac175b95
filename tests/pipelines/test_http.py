"""The shared HTTP layer against real servers on loopback: retries, limits, errors, redaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import httpx
import pytest

from pipelines.errors import AuthError, BudgetReached, ProviderUnavailable
from pipelines.http import HttpSettings, ProviderClient
from pipelines.redaction import install_log_redaction, redact, register_secret
from sandbox import SandboxServer
from sandbox.providers.tiktok_shop import DEFAULT_API_KEY, PATH
from tests.pipelines.loopback import serve

FAST = HttpSettings(timeout_s=2, max_attempts=3, backoff_s=0.01, backoff_max_s=0.05)


def _client(
    sandbox: SandboxServer, settings: HttpSettings = FAST, key: str = DEFAULT_API_KEY
) -> ProviderClient:
    return ProviderClient(
        "tiktok_shop",
        sandbox.base_url("tiktok_shop"),
        headers={"Authorization": f"Bearer {key}"},
        settings=settings,
    )


def _seller(sandbox: SandboxServer) -> str:
    return next(iter(sandbox.runtime.services["tiktok_shop"].sellers))  # type: ignore[attr-defined]


def _get(client: ProviderClient, seller: str) -> dict:
    params = {"seller_id": seller, "page_num": 1, "page_size": 10}
    return client.request("GET", PATH, lambda r: r.json(), params=params)


@pytest.mark.parametrize("kind", ["rate_limited", "server_error", "timeout"])
def test_transient_failures_are_retried(sandbox: SandboxServer, kind: str) -> None:
    sandbox.set_knobs("tiktok_shop", faults=[{"kind": kind, "nth": 1}])
    settings = HttpSettings(timeout_s=0.5, max_attempts=3, backoff_s=0.01, backoff_max_s=0.05)
    with _client(sandbox, settings) as client:
        body = _get(client, _seller(sandbox))
        assert body["code"] == 0 and len(body["data"]) == 10
        assert client.requests_made == 2  # the failed attempt was sent, and counted
    assert sandbox.stats()["tiktok_shop"]["faults_fired"] == 1


def test_persistent_outage_is_one_line_naming_provider_endpoint_cause(
    sandbox: SandboxServer,
) -> None:
    sandbox.set_knobs("tiktok_shop", faults=[{"kind": "server_error", "rate": 1.0, "status": 503}])
    with _client(sandbox) as client, pytest.raises(ProviderUnavailable) as caught:
        _get(client, _seller(sandbox))
    message = str(caught.value)
    assert message == (
        "tiktok_shop: GET /v1/tiktok/shop/livestreams/analytics: "
        "HTTP 503: Internal server error, still after 3 attempts"
    )
    assert "\n" not in message


def test_bad_key_is_not_retried_and_is_masked(sandbox: SandboxServer) -> None:
    with (
        _client(sandbox, key="sk_live_wrong_key_123") as client,
        pytest.raises(AuthError) as caught,
    ):
        _get(client, _seller(sandbox))
    assert client.requests_made == 1
    assert "sk_live_wrong_key_123" not in str(caught.value)
    assert "HTTP 401: apiKey is invalid" in str(caught.value)


def test_client_rate_limit_keeps_under_the_providers_limit(sandbox: SandboxServer) -> None:
    # The provider allows 5 requests a second; the client is told the same.
    sandbox.set_knobs("tiktok_shop", rate_limit=5, rate_window_s=1.0)
    settings = HttpSettings(max_attempts=1, rate_limit=5, rate_window_s=1.0)
    started = time.monotonic()
    with _client(sandbox, settings) as client:
        for _ in range(12):
            _get(client, _seller(sandbox))
    assert time.monotonic() - started >= 2.0  # 12 requests at 5/s need two full windows
    assert sandbox.stats()["tiktok_shop"]["requests"] == 12  # and not one was refused


def test_budget_stops_before_sending(sandbox: SandboxServer) -> None:
    with _client(sandbox, HttpSettings(max_requests=2)) as client:
        _get(client, _seller(sandbox))
        _get(client, _seller(sandbox))
        with pytest.raises(BudgetReached):
            _get(client, _seller(sandbox))
    assert sandbox.stats()["tiktok_shop"]["credits_used"] == 2


class _RetryAfterHandler(BaseHTTPRequestHandler):
    hits: ClassVar[list[float]] = []

    def do_GET(self) -> None:
        self.hits.append(time.monotonic())
        first = len(self.hits) == 1
        self.send_response(429 if first else 200)
        if first:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def retry_after_server() -> Iterator[str]:
    _RetryAfterHandler.hits = []
    with serve(_RetryAfterHandler) as url:
        yield url


def test_retry_after_is_honoured(retry_after_server: str) -> None:
    with ProviderClient("p", retry_after_server, settings=FAST) as client:
        assert client.request("GET", "/x", lambda r: r.json()) == {"ok": True}
    first, second = _RetryAfterHandler.hits
    assert second - first >= 0.95  # waited as told, not the 10 ms backoff


def test_redaction_masks_registered_and_shaped_secrets() -> None:
    register_secret("partner-key-abcdef")
    text = redact(
        "GET /api?access_token=tok123456&sign=ff00ee&x=1 partner-key-abcdef "
        "Authorization: Bearer eyJhbGciOi.x.y"
    )
    assert "tok123456" not in text and "ff00ee" not in text
    assert "partner-key-abcdef" not in text and "eyJhbGciOi" not in text
    assert "x=1" in text


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    register_secret("sk_live_logged_secret")
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything").info("calling with %s", "sk_live_logged_secret")
        logging.getLogger("httpx").warning("GET http://h/p?access_token=abcdef123 failed")
    assert "sk_live_logged_secret" not in caplog.text and "abcdef123" not in caplog.text
    assert httpx  # imported for its logger name
