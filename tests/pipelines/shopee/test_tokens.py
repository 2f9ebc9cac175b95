"""Shopee tokens through the shared store: rotation across runs, refusals, a crash right
after a refresh and two processes refreshing one account at once (real processes)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipelines.shopee.api import ShopeeApi, sign
from pipelines.shopee.schema import DETAIL, ITEM_COUNT, METRIC
from pipelines.shopee.settings import ShopeeConfig
from pipelines.tokens import FileTokenStore
from sandbox import SandboxServer
from sandbox.providers.shopee import ShopeeService
from tests.pipelines.shopee.conftest import Warehouse, anchor, config, day, pages

ROOT = Path(__file__).resolve().parents[3]
HOURS_4 = 4 * 3600


def _refreshes(sandbox: SandboxServer) -> int:
    return int(sandbox.stats()["shopee"]["token_refreshes"])


def _first_session(service: ShopeeService, user_id: int) -> int:
    return next(s["session_id"] for s in service.listed_sessions() if s["user_id"] == user_id)


def _api(
    sandbox: SandboxServer, store: FileTokenStore, cfg: ShopeeConfig | None = None
) -> ShopeeApi:
    return ShopeeApi(cfg or config(), store=store, clock=sandbox.runtime.clock.now)


def test_signature_follows_the_reference() -> None:
    # HMAC-SHA256(partner_key, f"{partner_id}{path}{timestamp}{access_token}{user_id}"), hex
    assert sign("key", 2001887, "/api/v2/livestream/get_item_count", 1795176000, "tok", 42) == (
        "83ee62708b9be3033f4af986bcadf86105f6e0e719dcd7913d12696aa24c28b7"
    )


def test_signed_calls_are_accepted_and_a_retry_is_signed_again(
    env: object, sandbox: SandboxServer, service: ShopeeService, store: FileTokenStore
) -> None:
    big = service.showcase.big
    uid = service.sessions[big].user_id
    sandbox.set_knobs(
        "shopee",
        options={"fault_status": 200},
        faults=[{"kind": "server_error", "nth": 1, "path": "get_session_metric"}],
    )
    clock = sandbox.runtime.clock
    stamps: list[int] = []

    def moving() -> float:
        """The sandbox's clock, moved on 400 s whenever the source reads it: a request sent
        again with an earlier attempt's timestamp is then more than 300 s stale, and refused."""
        clock.advance(400)
        stamps.append(int(clock.now()))
        return clock.now()

    with ShopeeApi(config(), store=store, clock=moving) as api:
        assert api.get(uid, "get_session_detail", DETAIL, session_id=big)["status"] == 2
        metric = api.get(uid, "get_session_metric", METRIC, session_id=big)
        assert metric == service.expected_metric(big)
        # refresh, detail, then the metric twice: refused with error_server on HTTP 200,
        # then accepted: signed anew, 400 s later than the refused attempt
        assert api.requests_made == 4 and sandbox.stats()["shopee"]["faults_fired"] == 1
        # what a client resending the refused attempt would have met
        stale = stamps[-2]
        token = api.keeper(uid).access_token()
        params: dict[str, Any] = {
            "partner_id": api.partner_id,
            "timestamp": stale,
            "access_token": token,
            "user_id": uid,
            "session_id": big,
        }
        params["sign"] = sign(
            config().partner_key,
            api.partner_id,
            "/api/v2/livestream/get_session_metric",
            stale,
            token,
            uid,
        )
        answer = httpx.get(
            sandbox.base_url("shopee") + "/api/v2/livestream/get_session_metric", params=params
        )
        assert answer.status_code == 403 and answer.json()["message"] == "Invalid timestamp."
    assert _refreshes(sandbox) == 1


def test_tokens_rotate_across_runs_and_the_configured_one_is_only_the_seed(
    env: object, sandbox: SandboxServer, service: ShopeeService, store: FileTokenStore
) -> None:
    cfg = config()
    accounts = cfg.account_list()

    def run() -> None:
        with _api(sandbox, store, cfg) as api:
            for account in accounts:
                sid = _first_session(service, account.user_id)
                api.get(account.user_id, "get_item_count", ITEM_COUNT, session_id=sid)

    run()
    assert _refreshes(sandbox) == len(accounts) == 8
    first = {a.user_id: store.load("shopee", str(a.user_id)) for a in accounts}
    for account in accounts:
        tokens = first[account.user_id]
        assert tokens is not None and tokens.refresh_token != account.refresh_token
        path = store.path("shopee", str(account.user_id))
        assert path.stat().st_mode & 0o777 == 0o600
    assert store.directory.stat().st_mode & 0o777 == 0o700
    assert (store.directory / "shopee").stat().st_mode & 0o777 == 0o700

    run()  # a second run reuses the stored access tokens
    assert _refreshes(sandbox) == 8

    sandbox.advance_clock(HOURS_4)  # they expire: the stored refresh tokens are spent
    run()  # (the configured ones were spent by the first run: the sandbox would refuse them)
    assert _refreshes(sandbox) == 16
    for account in accounts:
        now = store.load("shopee", str(account.user_id))
        assert now is not None and now.refresh_token != first[account.user_id].refresh_token  # type: ignore[union-attr]


@pytest.mark.parametrize("refusal", ["error_auth", "invalid_acceess_token"])
def test_a_refused_access_token_is_refreshed_once(
    env: object,
    sandbox: SandboxServer,
    service: ShopeeService,
    store: FileTokenStore,
    refusal: str,
) -> None:
    big = service.showcase.big
    uid = service.sessions[big].user_id
    with _api(sandbox, store) as api:
        api.get(uid, "get_item_count", ITEM_COUNT, session_id=big)
    stored = store.load("shopee", str(uid))
    assert stored is not None
    if refusal == "error_auth":  # a token Shopee does not know ("Invalid access_token.")
        stored = dataclasses.replace(stored, access_token="0123456789abcdef" * 2)
    else:  # expired by Shopee's clock while this one believes it has hours left
        stored = dataclasses.replace(stored, expires_at=stored.expires_at + 10 * 3600)
        sandbox.advance_clock(HOURS_4 + 60)
    store.save("shopee", str(uid), stored)
    with _api(sandbox, store) as api:
        assert api.get(uid, "get_item_count", ITEM_COUNT, session_id=big) == {
            "item_count": 150,
            "max_item_count": 500,
        }
        assert api.requests_made == 3  # refused, refreshed, sent again
    assert _refreshes(sandbox) == 2


def test_a_refused_refresh_fails_that_account_with_one_line(
    warehouse_file: Warehouse, sandbox: SandboxServer, service: ShopeeService
) -> None:
    gone = config().account_list()[2].user_id
    service.cancel_authorization(gone)
    report = warehouse_file.load(day(17), day(20))
    assert [str(e) for e in report.errors] == [
        f"shopee: POST /api/v2/auth/access_token/get: account {gone}: refresh token refused "
        '(error_auth "You are not authorized"): authorise the account again and put its new '
        "refresh_token in sources.shopee.accounts (docs/token-store.md)"
    ]
    assert report.incomplete == {str(gone): {day(17).date(), day(18).date(), day(19).date()}}
    users = {u for (u,) in warehouse_file.rows("select distinct user_id from shopee.sessions")}
    assert gone not in users and len(users) == 7
    assert _refreshes(sandbox) == 7
    # its refresh was asked once, however many of its sessions were in flight; the other
    # accounts read every detail, and the rest for their sessions of the window
    others = [s for s in service.listed_sessions() if s["user_id"] != gone]
    lo, hi = day(17).timestamp(), day(20).timestamp()
    window = [s["session_id"] for s in others if lo <= anchor(service, s["session_id"]) < hi]
    calls = sum(1 + 2 * pages(len(service.sessions[s].items)) for s in window)
    assert report.requests == len(others) + calls + 7 + 1


def test_a_refresh_answer_damaged_after_rotation_says_so_and_the_others_load(
    warehouse_file: Warehouse, sandbox: SandboxServer, service: ShopeeService
) -> None:
    """Shopee rotates the token, and its answer is cut off on the way: the new pair is lost.
    Asking again with the same refresh token proves it (refused), and the line says exactly
    that; the seven other accounts load."""
    sandbox.set_knobs(
        "shopee", faults=[{"kind": "truncated_json", "nth": 1, "path": "access_token/get"}]
    )
    first = config().session_list()[0].user_id
    report = warehouse_file.load(day(17), day(20))
    [line] = [str(e) for e in report.errors]
    assert line.startswith(
        f"shopee: POST /api/v2/auth/access_token/get: account {first}: Shopee's answer to the "
        "token refresh was damaged (malformed response: body: Invalid JSON: EOF while parsing"
    )
    assert line.endswith(
        ") after Shopee had already rotated the refresh token, so the new one was lost; "
        "authorise the account again and put its new refresh_token in sources.shopee.accounts "
        "(docs/token-store.md). The other accounts are not affected"
    )
    users = {u for (u,) in warehouse_file.rows("select distinct user_id from shopee.sessions")}
    assert first not in users and len(users) == 7
    assert set(report.incomplete) == {str(first)}
    assert _refreshes(sandbox) == 8  # the damaged one, and one per other account


def test_a_refresh_answer_lost_after_rotation_says_so_and_the_others_load(
    warehouse_file: Warehouse, sandbox: SandboxServer, service: ShopeeService
) -> None:
    """Shopee rotates the token and its answer never arrives: the retry with the same refresh
    token is refused (the sandbox counts it reused), and the line says the answer was lost,
    not that the credentials are wrong. A refresh waits three timeouts (here 3 x 0.4 s) for
    its answer before it gives up on it."""
    sandbox.set_knobs(
        "shopee", faults=[{"kind": "answer_lost", "nth": 1, "path": "access_token/get"}]
    )
    first = config().session_list()[0].user_id
    report = warehouse_file.load(day(17), day(20), config(timeout_s=0.4))
    [line] = [str(e) for e in report.errors]
    assert line == (
        f"shopee: POST /api/v2/auth/access_token/get: account {first}: Shopee's answer to the "
        "token refresh never arrived (no answer within 1.2 s) after Shopee had already "
        "rotated the refresh token, so the new one was lost; authorise the account again and "
        "put its new refresh_token in sources.shopee.accounts (docs/token-store.md). "
        "The other accounts are not affected"
    )
    stats = sandbox.stats()["shopee"]
    assert (stats["token_refreshes"], stats["refresh_tokens_reused"]) == (8, 1)
    users = {u for (u,) in warehouse_file.rows("select distinct user_id from shopee.sessions")}
    assert first not in users and len(users) == 7


def _child(mode: str, store: FileTokenStore, uid: int, sid: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.pipelines.shopee.token_child",
            mode,
            str(store.directory),
            str(uid),
            str(sid),
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_process_killed_right_after_a_refresh_leaves_the_account_working(
    env: object, sandbox: SandboxServer, service: ShopeeService, store: FileTokenStore
) -> None:
    big = service.showcase.big
    uid = service.sessions[big].user_id
    child = _child("die-after-refresh", store, uid, big)
    out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err
    assert out == "" and _refreshes(sandbox) == 1  # it refreshed, stored, and died
    with _api(sandbox, store) as api:  # the next run uses what the dead one stored
        assert api.get(uid, "get_item_count", ITEM_COUNT, session_id=big)["item_count"] == 150
    assert _refreshes(sandbox) == 1
    sandbox.advance_clock(HOURS_4)
    with _api(sandbox, store) as api:  # and its rotated refresh token works
        assert api.get(uid, "get_item_count", ITEM_COUNT, session_id=big)["item_count"] == 150
    assert _refreshes(sandbox) == 2
    assert not list((store.directory / "shopee").glob(".*.tmp"))


def test_two_processes_refreshing_one_account_at_once_both_work(
    env: object,
    sandbox: SandboxServer,
    service: ShopeeService,
    store: FileTokenStore,
    tmp_path: Path,
) -> None:
    big = service.showcase.big
    uid = service.sessions[big].user_id
    children = [_child("race", store, uid, big) for _ in range(2)]
    for child in children:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    (tmp_path / "go").touch()
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0 and out == "ok 150\n", err
    # one refreshed (spending the configured token once), the other waited and used its result
    assert _refreshes(sandbox) == 1
    with _api(sandbox, store) as api:
        assert api.get(uid, "get_item_count", ITEM_COUNT, session_id=big)["item_count"] == 150
    assert _refreshes(sandbox) == 1
