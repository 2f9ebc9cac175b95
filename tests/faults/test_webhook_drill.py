"""Drill 9 (docs/reliability.md): the webhook receiver (the app `lsw webhooks serve` runs,
on a loopback port; tests/live/test_processes.py drives the process itself) under a flood of
requests that must change nothing (no credentials, a wrong secret, malformed and oversized
bodies), with valid LiSA deliveries sent in the middle of it: every valid one is stored,
exactly once, and nothing else is."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import orjson
import pytest

from live.lisa_events import SOURCE
from live.receiver import MAX_BODY
from tests.live.receiving import Receiver
from tests.live.test_receiver import event

FLOOD = 300  # bad requests: no credentials, a wrong secret, malformed, 1 in 20 oversized
VALID = 20
MALFORMED = (
    b"{not json",
    orjson.dumps(event(id="42")),
    orjson.dumps({"id": "no other field"}),
)


def _bad(n: int, secret: str) -> tuple[dict[str, str], bytes, int]:
    """(headers, body, the answer it must get) for request ``n`` of the flood."""
    good = {"authorization": f"Bearer {secret}"}
    if n % 20 == 19:
        return good, orjson.dumps(event(detail={"id": "x", "pad": "y" * MAX_BODY})), 413
    if n % 3 == 0:
        return {}, orjson.dumps(event()), 401
    if n % 3 == 1:
        return {"authorization": f"Bearer {secret[:-1]}x"}, orjson.dumps(event()), 401
    return good, MALFORMED[n % len(MALFORMED)], 400


def test_drill_9_a_flood_of_bad_requests_changes_nothing_and_valid_deliveries_get_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LSW_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("LSW_TOKEN_DIR", str(tmp_path / "tokens"))
    with Receiver(tmp_path / "landing.sqlite3") as receiver:
        secret, url = receiver.secret, receiver.url
        flood = [_bad(n, secret) for n in range(FLOOD)]
        valid = [orjson.dumps(event()) for _ in range(VALID)]

        async def send() -> tuple[list[int], list[int]]:
            limits = httpx.Limits(max_connections=100)
            async with httpx.AsyncClient(limits=limits, timeout=60) as client:
                bad = [
                    asyncio.ensure_future(client.post(url, content=body, headers=headers))
                    for headers, body, _ in flood
                ]
                await asyncio.sleep(0.05)  # the flood under way, then the valid deliveries
                auth = {"authorization": f"Bearer {secret}"}
                good = [client.post(url, content=body, headers=auth) for body in valid]
                answers = await asyncio.gather(*good)
                refused = await asyncio.gather(*bad, return_exceptions=True)
            statuses = [a.status_code if isinstance(a, httpx.Response) else 0 for a in refused]
            return [a.status_code for a in answers], statuses

        good, bad = asyncio.run(send())
        assert good == [200] * VALID
        # every bad request refused with its own answer (an oversized one may instead have
        # its connection closed while its body is still being sent)
        expected = [status for *_, status in flood]
        mismatched = [(got, want) for got, want in zip(bad, expected, strict=True) if got != want]
        assert all(want == 413 and got == 0 for got, want in mismatched)
        assert receiver.store.count(SOURCE) == VALID
        assert {r.record_id for r in receiver.store.read(0, 1_000)} == {
            orjson.loads(body)["id"] for body in valid
        }
    out, err = capfd.readouterr()
    assert secret not in out + err
