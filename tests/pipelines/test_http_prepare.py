"""ProviderClient's ``prepare``: what an attempt signs is made afresh for every attempt."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from pipelines.http import Attempt, HttpSettings, ProviderClient
from tests.pipelines.loopback import serve

FAST = HttpSettings(timeout_s=2, max_attempts=3, backoff_s=0.01, backoff_max_s=0.05)


class _Recorder(BaseHTTPRequestHandler):
    """Refuses the first request with a 503, then answers; keeps what each request carried."""

    seen: ClassVar[list[tuple[dict[str, list[str]], str | None]]] = []

    def do_GET(self) -> None:
        self.seen.append((parse_qs(urlsplit(self.path).query), self.headers.get("X-Sig")))
        self.send_response(503 if len(self.seen) == 1 else 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    with serve(_Recorder) as url:
        yield url


def test_each_attempt_is_prepared_afresh(recorder: str) -> None:
    ticks = itertools.count(1000)

    def prepare() -> Attempt:
        now = next(ticks)
        return Attempt(params={"timestamp": now}, headers={"X-Sig": f"sig-{now}"})

    with ProviderClient("p", recorder, settings=FAST) as client:
        body = client.request("GET", "/x", lambda r: r.json(), params={"id": 7}, prepare=prepare)
    assert body == {"ok": True} and client.requests_made == 2
    assert _Recorder.seen == [
        ({"id": ["7"], "timestamp": ["1000"]}, "sig-1000"),  # refused with a 503
        ({"id": ["7"], "timestamp": ["1001"]}, "sig-1001"),  # the retry, signed again
    ]


def test_without_prepare_the_request_is_unchanged(recorder: str) -> None:
    with ProviderClient("p", recorder, settings=FAST) as client:
        assert client.request("GET", "/x", lambda r: r.json(), params={"id": 7}) == {"ok": True}
    assert _Recorder.seen == [({"id": ["7"]}, None), ({"id": ["7"]}, None)]
