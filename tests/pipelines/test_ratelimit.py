"""The shared rate limit: one count for every process of a quota, and the provider's headers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pipelines.http import HttpSettings, ProviderClient, rate_limit_wait
from pipelines.ratelimit import ClientLimit, QuotaWatch, RateHeaders, limit_key, state_file
from sandbox import SandboxServer
from sandbox.providers.tiktok_shop import DEFAULT_API_KEY, PATH

LIMIT, WINDOW_S, PER_PROCESS = 8, 1.0, 12

# One process of a pair: waits for the common start, then sends PER_PROCESS requests with
# no retry, so a single refusal (HTTP 429) ends it with a non-zero exit.
CHILD = f"""
import sys, time
from pipelines.http import HttpSettings, ProviderClient
from pipelines.ratelimit import limit_key
base, key, seller, start_at, shared, n = sys.argv[1:7]
settings = HttpSettings(
    max_attempts=1, rate_limit={LIMIT}, rate_window_s={WINDOW_S},
    shared_limit_key=limit_key("tiktok_shop", key) if shared == "1" else None,
)
headers = {{"Authorization": "Bearer " + key}}
with ProviderClient("tiktok_shop", base, headers=headers, settings=settings) as client:
    while time.time() < float(start_at):
        time.sleep(0.002)
    for _ in range(int(n)):
        params = {{"seller_id": seller, "page_num": 1, "page_size": 10}}
        client.request("GET", "{PATH}", lambda r: r.status_code, params=params)
"""


def _pair(sandbox: SandboxServer, state: Path, shared: bool) -> tuple[list[int], float]:
    """Two processes sharing (or not) one count; their exit codes and the time they took."""
    seller = next(iter(sandbox.runtime.services["tiktok_shop"].sellers))  # type: ignore[attr-defined]
    start_at = time.time() + 1.5  # both have imported everything by then
    env = {**os.environ, "LSW_STATE_DIR": str(state)}
    args = [sandbox.base_url("tiktok_shop"), DEFAULT_API_KEY, seller, str(start_at)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, *args, "1" if shared else "0", str(PER_PROCESS)],
            env=env,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    codes = [proc.wait(timeout=60) for proc in procs]
    for proc in procs:
        assert proc.stderr is not None
        proc.stderr.close()
    return codes, time.time() - start_at


def test_two_processes_sharing_the_count_never_pass_the_limit(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    # The provider allows 8 requests a second; each process is told the same.
    sandbox.set_knobs("tiktok_shop", rate_limit=LIMIT, rate_window_s=WINDOW_S)
    codes, took = _pair(sandbox, tmp_path / "state", shared=True)
    assert codes == [0, 0]  # not one request refused
    assert sandbox.stats()["tiktok_shop"]["requests"] == 2 * PER_PROCESS
    # 24 requests, 8 per 1.25 s window (1 s and the 0.25 s slack): three windows
    assert took >= 2 * (WINDOW_S + HttpSettings().rate_slack_s)
    table = limit_key("tiktok_shop", DEFAULT_API_KEY)
    with sqlite3.connect(tmp_path / "state" / "ratelimit.sqlite") as con:
        # the count they shared (the limiter's clean-up may already have dropped old takes)
        (counted,) = con.execute(f"select count(*) from '{table}'").fetchone()
    assert counted <= 2 * PER_PROCESS
    assert DEFAULT_API_KEY.encode() not in (tmp_path / "state" / "ratelimit.sqlite").read_bytes()


def test_two_processes_counting_alone_do_pass_it(sandbox: SandboxServer, tmp_path: Path) -> None:
    """The control: each process keeps its own count, so together they send twice the
    limit and the provider refuses some."""
    sandbox.set_knobs("tiktok_shop", rate_limit=LIMIT, rate_window_s=WINDOW_S)
    codes, _ = _pair(sandbox, tmp_path / "state", shared=False)
    assert codes != [0, 0]


def test_the_shared_count_is_under_the_state_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LSW_STATE_DIR", str(tmp_path / "state"))
    settings = HttpSettings(rate_limit=5, shared_limit_key=limit_key("trovo", "client-x"))
    with ProviderClient("trovo", "http://127.0.0.1:9", settings=settings):
        pass
    assert state_file() == tmp_path / "state" / "ratelimit.sqlite" and state_file().exists()
    assert oct((tmp_path / "state").stat().st_mode & 0o777) == "0o700"
    assert limit_key("trovo", "client-x") != limit_key("trovo", "client-y")
    assert limit_key("trovo", "client-x").startswith("trovo_")


def test_rate_headers_are_read_in_any_case_and_as_numbers() -> None:
    now = 1_800_000_000.0
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit": "1200",
            "x-ratelimit-REMAINING": " 1198 ",
            "X-RATELIMIT-RESET": "1607658000",
        }
    )
    assert RateHeaders.read(headers, now) == RateHeaders(1200, 1198, 1_607_658_000.0)
    delta = httpx.Headers({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "12"})
    assert RateHeaders.read(delta, now) == RateHeaders(None, 0, now + 12)  # seconds to wait
    assert RateHeaders.read(httpx.Headers({"x-ratelimit-limit": "many"}), now) is None
    assert RateHeaders.read(httpx.Headers({"content-type": "application/json"}), now) is None


def test_a_refusal_is_waited_out_until_the_named_reset() -> None:
    soon = time.time() + 7.5
    refused = httpx.Response(
        200, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": f"{soon}"}
    )
    assert 7.0 < (rate_limit_wait(refused) or 0) <= 7.5
    told = httpx.Response(429, headers={"Retry-After": "3", "X-RateLimit-Reset": f"{soon}"})
    assert rate_limit_wait(told) == 3.0  # Retry-After, when given, wins
    assert rate_limit_wait(httpx.Response(429)) is None  # then the backoff decides


def test_the_watch_holds_when_what_is_left_is_already_in_flight() -> None:
    watch = QuotaWatch("trovo")
    reset = time.time() + 0.4
    headers = {"x-ratelimit-remaining": "3", "x-ratelimit-reset": str(reset)}
    watch.observe(headers, in_flight_others=2)
    assert watch.holds == 0  # 3 left, 2 others in flight: one more may go
    watch.observe(headers, in_flight_others=3)
    assert watch.holds == 1
    began = time.monotonic()
    watch.wait()
    assert time.time() >= reset and time.monotonic() - began > 0.2
    watch.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"}, 0)
    assert watch.holds == 2  # a reset in the delta-seconds form is waited out too


def test_a_quota_used_by_us_alone_is_paced_by_our_own_count() -> None:
    """Our limit (200) is the provider's; the provider counts 198 used and we let 198 through:
    the quota is ours, our count paces it, no hold. Count 199 used against our 150 and
    someone else is using it: hold. A limit above the provider's never vouches."""
    reset = str(time.time() + 5)
    low = {"x-ratelimit-limit": "200", "x-ratelimit-remaining": "2", "x-ratelimit-reset": reset}
    watch = QuotaWatch("trovo")
    watch.observe(low, in_flight_others=3, ours=198, our_limit=200)
    assert watch.holds == 0
    watch.observe(low, in_flight_others=3, ours=150, our_limit=200)
    assert watch.holds == 1
    watch = QuotaWatch("trovo")
    watch.observe(low, in_flight_others=3, ours=198, our_limit=1200)
    assert watch.holds == 1


@pytest.mark.parametrize("shared", [False, True])
def test_our_count_of_the_last_window(
    shared: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LSW_STATE_DIR", str(tmp_path / "state"))
    key = limit_key("trovo", "client-z") if shared else None
    limit = ClientLimit(10, window_s=0.3, slack_s=0.0, shared_key=key)
    other = ClientLimit(10, window_s=0.3, slack_s=0.0, shared_key=key)  # another process's
    try:
        for _ in range(3):
            limit.take("trovo")
        other.take("trovo")
        assert limit.taken() == (4 if shared else 3)
        time.sleep(0.35)
        assert limit.taken() == 0
    finally:
        limit.close()
        other.close()
