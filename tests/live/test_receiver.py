"""The LiSA receiver over real HTTP: credentials, bad bodies, duplicates, load, real deliveries."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from live.credentials import subscription_credentials
from live.lisa_api import WebhookApi
from live.lisa_events import SOURCE
from live.store import default_path
from pipelines.config import read_config
from pipelines.lisa.settings import LisaConfig
from sandbox import SandboxServer
from sandbox.providers.lisa.service import LisaService
from tests.live.receiving import Receiver, event


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


def basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def test_wrong_or_missing_credentials_are_401_and_nothing_is_stored(
    receiver: Receiver, http: httpx.Client
) -> None:
    body = orjson.dumps(event())
    refused = [
        {},
        bearer("not-the-secret"),
        bearer(receiver.secret + "x"),
        basic("lsw", "wrong"),
        basic("someone", receiver.secret),
        {"authorization": "Basic !!!not-base64"},
        {"authorization": f"ApiKey {receiver.secret}"},
    ]
    for headers in refused:
        answer = http.post(receiver.url, content=body, headers=headers)
        assert answer.status_code == 401, headers
        assert receiver.secret not in answer.text
    assert receiver.store.count() == 0
    ok_bearer = http.post(receiver.url, content=body, headers=bearer(receiver.secret))
    ok_basic = http.post(
        receiver.url, content=orjson.dumps(event()), headers=basic("lsw", receiver.secret)
    )
    assert (ok_bearer.status_code, ok_basic.status_code) == (200, 200)
    assert receiver.store.count(SOURCE) == 2


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        (b"{not json", "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        (orjson.dumps({k: v for k, v in event().items() if k != "id"}), "id: missing"),
        (orjson.dumps(event(id="42")), "id: not a UUID"),
        (orjson.dumps(event(eventType="stop")), "eventType: missing or not Collection:action"),
        (orjson.dumps(event(eventDate="yesterday")), "eventDate: not an ISO-8601 date-time"),
        (orjson.dumps(event(detail="gone")), "detail: missing or not an object"),
        (orjson.dumps(event(client=None)), "client: missing"),
    ],
)
def test_malformed_deliveries_are_400_and_not_stored(
    receiver: Receiver, http: httpx.Client, body: bytes, cause: str
) -> None:
    answer = http.post(receiver.url, content=body, headers=bearer(receiver.secret))
    assert (answer.status_code, answer.json()) == (400, {"error": cause})
    assert receiver.store.count() == 0


def test_oversized_deliveries_are_413_declared_or_streamed(warehouse: Path) -> None:
    with Receiver(default_path(), max_body=2_000) as receiver, httpx.Client() as http:
        padded = event(detail={"id": "x", "pad": "y" * 3_000})
        big = orjson.dumps(padded)
        declared = http.post(receiver.url, content=big, headers=bearer(receiver.secret))
        # no Content-Length: the body is counted while it is read (chunked transfer)
        streamed = http.post(
            receiver.url,
            content=iter([big[:1_500], big[1_500:]]),
            headers=bearer(receiver.secret),
        )
        fits = http.post(
            receiver.url, content=orjson.dumps(event()), headers=bearer(receiver.secret)
        )
        assert (declared.status_code, streamed.status_code, fits.status_code) == (413, 413, 200)
        assert receiver.store.count() == 1


def test_a_delivery_repeated_is_stored_once(receiver: Receiver, http: httpx.Client) -> None:
    body = orjson.dumps(event())
    answers = [
        http.post(receiver.url, content=body, headers=bearer(receiver.secret)).json()
        for _ in range(3)
    ]
    assert [a["stored"] for a in answers] == [True, False, False]
    assert receiver.store.count(SOURCE) == 1
    (landed,) = receiver.store.read(0, 10)
    assert landed.body == body


def _lisa_config(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> LisaConfig:
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)
    config = read_config(LisaConfig)
    assert config is not None
    return config


def _wait(condition: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sandbox_deliveries_arrive_once_and_verified_ones_match_lisa(
    warehouse: Path,
    sandbox: SandboxServer,
    lisa: LisaService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = _lisa_config(sandbox, monkeypatch)
    with WebhookApi(config) as api, Receiver(default_path(), verify=api.event) as receiver:
        sub = api.subscribe(receiver.url, subscription_credentials(receiver.secret, "basic"))
        sandbox.advance_clock(6 * 3600)
        emitted = [e for e in lisa.hub.events_between(lisa.hub.now() - 6 * 3600, lisa.hub.now())]
        assert emitted, "six hours of the sandbox world have show events"
        _wait(lambda: receiver.store.count(SOURCE) == len(emitted))
        stored = {r.record_id: orjson.loads(r.body) for r in receiver.store.read(0, 10_000)}
        assert stored == {e["id"]: e for _, e in emitted}
        assert api.subscriptions()[0]["status"] == "active"
        # a forged event (LiSA never sent it) is refused when verifying
        with httpx.Client() as http:
            forged = http.post(
                receiver.url, content=orjson.dumps(event()), headers=bearer(receiver.secret)
            )
        assert forged.status_code == 400
        assert receiver.store.count(SOURCE) == len(emitted)
        api.unsubscribe(sub["id"])
        assert api.subscriptions() == []
