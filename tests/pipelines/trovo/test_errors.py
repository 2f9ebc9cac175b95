"""Every status of the reference's error table (section 11) reads as one line and one kind.

A loopback server answers each code the way Trovo does, ``{status, error, message}``, with
the code as a number or as a string and with HTTP 200 or an error status.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from pipelines.errors import AuthError, ProviderError, RateLimited, RetryableStatus
from pipelines.trovo import SPEC
from pipelines.trovo.errors import CODES, Denied, NotFound, TokenRejected, classify
from sandbox import SandboxServer
from tests.pipelines.trovo.conftest import trovo_config

# The reference's table, in its order.
REFERENCE_CODES = (
    -10500, -1201, -1000, 1002, 1111, 1203, 10505, 10703, 10710, 10908, 11000, 11101, 11103,
    11400, 11701, 11703, 11704, 11706, 11707, 11708, 11709, 11710, 11711, 11712, 11713, 11714,
    11715, 11716, 11717, 11730, 11718, 12400, 12401, 12402, 12905, 12906, 20000,
)  # fmt: skip

KINDS: dict[str, type[ProviderError]] = {
    "retry": RetryableStatus,
    "rate": RateLimited,
    "auth": AuthError,
    "token": TokenRejected,
    "missing": NotFound,
    "denied": Denied,
    "fail": ProviderError,
}


class _Handler(BaseHTTPRequestHandler):
    """``GET /<code>/<http status>/<"n" number or "s" string>``: Trovo's error body."""

    def do_GET(self) -> None:
        code, http, form = self.path.strip("/").split("/")
        body = {
            "status": int(code) if form == "n" else code,
            "error": "Bad Request",
            "message": f"the message of {code}",
        }
        raw = json.dumps(body).encode()
        self.send_response(int(http))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if code == "11706":
            self.send_header("X-RateLimit-Remaining", "0")
            self.send_header("X-RateLimit-Reset", "12")
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_the_table_is_the_references() -> None:
    assert sorted(CODES) == sorted(REFERENCE_CODES)


@pytest.mark.parametrize(("http", "form"), [(200, "n"), (400, "s")])
def test_every_code_is_one_line_of_its_kind(server: str, http: int, form: str) -> None:
    with httpx.Client(base_url=server) as client:
        for code in REFERENCE_CODES:
            response = client.get(f"/{code}/{http}/{form}")
            with pytest.raises(ProviderError) as caught:
                classify(response, "POST /channels/id")
            kind, meaning = CODES[code]
            assert type(caught.value) is KINDS[kind], code
            line = str(caught.value)
            assert line == (f"trovo: POST /channels/id: {meaning} ({code}: the message of {code})")
            assert "\n" not in line and caught.value.status == http


def test_a_rate_limit_refusal_carries_the_wait_until_the_reset(server: str) -> None:
    response = httpx.get(f"{server}/11706/200/s")
    with pytest.raises(RateLimited) as caught:
        classify(response, "POST /channels/id")
    assert 11.5 < (caught.value.retry_after or 0) <= 12.0


def test_success_and_unknown_codes(server: str) -> None:
    classify(httpx.Response(200, json={"total": "9", "follower": []}), "x")  # passes
    classify(httpx.Response(200, json={"status": 0, "message": "ok"}), "x")  # status 0: success
    with pytest.raises(ProviderError) as caught:
        classify(httpx.get(f"{server}/31337/400/n"), "GET /validate")
    assert str(caught.value) == "trovo: GET /validate: error (31337: the message of 31337)"
    with pytest.raises(RetryableStatus):
        classify(httpx.get(f"{server}/31337/503/n"), "GET /validate")


def test_check_proves_the_client_id_and_the_user_token(sandbox: SandboxServer) -> None:
    channel = trovo_config().channel_ids[0]
    assert SPEC.check(trovo_config()) == (
        f"ok (Client-ID accepted; channel {channel} found; user token of channel {channel}; "
        "2 requests)"
    )
    assert SPEC.check(trovo_config(access_token=None, refresh_token=None)) == (
        f"ok (Client-ID accepted; channel {channel} found; 1 request)"
    )
    with pytest.raises(AuthError) as caught:
        SPEC.check(trovo_config(client_id="someone-else"))
    assert str(caught.value) == (
        "trovo: POST /channels/id: Client-ID refused (check sources.trovo.client_id) "
        "(11701: Invalid header.)"
    )
