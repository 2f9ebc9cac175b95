"""Firework tokens: kept between runs, renewed before they expire, replaced once when refused."""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.errors import ProviderError
from pipelines.firework import FireworkConfig
from pipelines.firework.check import check_credentials
from pipelines.firework.helpers import fetch_all
from pipelines.report import RunReport
from sandbox import SandboxServer
from tests.pipelines.firework.support import SECRET, config, service, window_ids

START = datetime(2026, 11, 15, tzinfo=UTC)
END = datetime(2026, 11, 17, tzinfo=UTC)
WRONG_SECRET_LINE = (
    "firework: POST /oauth/token: client credentials refused (HTTP 401: invalid_client); "
    "check sources.firework.client_id and client_secret"
)


def _counts(sandbox: SandboxServer) -> tuple[int, int, int]:
    stats = sandbox.stats()["firework"]
    return stats["tokens_issued"], stats["unauthorized"], stats["details"]


def _read(cfg: FireworkConfig, sandbox: SandboxServer, **kwargs: object) -> RunReport:
    """One run's extraction (every configured detail), as a source runs it."""
    report = RunReport("firework")
    clock = kwargs.get("clock", service(sandbox).ctx.clock.now)
    details = list(fetch_all(cfg, report, clock=clock))  # type: ignore[arg-type]
    report.add(rows=len(details))
    return report


def _short(sandbox: SandboxServer, **overrides: object) -> FireworkConfig:
    return config(sandbox, livestream_ids=window_ids(service(sandbox), START, END), **overrides)


def test_a_token_is_kept_between_runs_and_renewed_shortly_before_it_expires(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.set_knobs("firework", options={"token_ttl_s": 1200})
    cfg = _short(sandbox)
    assert _read(cfg, sandbox).rows == 15
    assert _counts(sandbox) == (1, 0, 15)
    # the store file: the account's, private, holding no client secret
    path = tmp_path / "state" / "tokens" / "firework" / "ylq%4E7%5A.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert SECRET.encode() not in path.read_bytes()
    # a later run (a new process would do the same) reuses it while it has > 300 s left
    sandbox.advance_clock(850)
    assert _read(cfg, sandbox).rows == 15
    assert _counts(sandbox) == (1, 0, 30)
    # within 300 s of expiry it asks for a new one first, so no call is refused
    sandbox.advance_clock(100)
    assert _read(cfg, sandbox).rows == 15
    assert _counts(sandbox) == (2, 0, 45)


def test_a_token_that_died_early_is_replaced_once_and_the_run_goes_on(
    sandbox: SandboxServer,
) -> None:
    svc = service(sandbox)
    cfg = _short(sandbox, concurrency=1)
    _read(cfg, sandbox)
    svc.revoke_tokens()
    report = _read(cfg, sandbox)
    assert (report.rows, report.errors) == (15, [])
    assert _counts(sandbox) == (2, 1, 30)
    # a token that expired by the provider's clock, not ours: refused, replaced once
    _read(cfg, sandbox, clock=time.time)  # stored by real time: good for an hour to us
    assert _counts(sandbox) == (3, 1, 45)
    sandbox.advance_clock(3600)
    report = _read(cfg, sandbox, clock=time.time)
    assert (report.rows, report.errors) == (15, [])
    assert _counts(sandbox) == (4, 2, 60)


def test_calls_refused_together_share_one_new_token(sandbox: SandboxServer) -> None:
    svc = service(sandbox)
    cfg = config(sandbox, concurrency=8)
    _read(cfg, sandbox)
    svc.revoke_tokens()
    report = _read(cfg, sandbox)
    assert (report.rows, report.errors) == (283, [])
    issued, unauthorized, details = _counts(sandbox)
    assert (issued, details) == (2, 2 * 283) and 1 <= unauthorized <= 8


def test_tokens_revoked_again_and_again_mid_run_are_renewed_each_time(
    sandbox: SandboxServer,
) -> None:
    """Every 3 details Firework revokes the token while 8 calls are in flight: each token
    worked before it was refused, so each refusal means "expired", never bad credentials."""
    svc = service(sandbox)
    cfg = config(sandbox, concurrency=8)
    done = threading.Event()

    def revoker() -> None:
        last = 0
        while not done.is_set():
            served = svc.details
            if served - last >= 3:
                svc.revoke_tokens()
                last = served
            time.sleep(0.001)

    watcher = threading.Thread(target=revoker)
    watcher.start()
    try:
        report = _read(cfg, sandbox)
    finally:
        done.set()
        watcher.join()
    assert (report.rows, report.errors) == (283, [])
    issued, unauthorized, _ = _counts(sandbox)
    renewals = issued - 1
    assert renewals >= 5
    # each revocation costs at most the calls in flight with the dead token
    assert unauthorized <= 8 * renewals


def test_a_wrong_secret_fails_in_one_line_and_spends_nothing_more(
    sandbox: SandboxServer,
) -> None:
    _read(_short(sandbox), sandbox)  # a good token is in the store
    report = _read(_short(sandbox, client_secret="fw_not_the_secret_000"), sandbox)
    assert [str(e) for e in report.errors] == [WRONG_SECRET_LINE]
    assert (report.rows, report.requests) == (0, 1)
    assert _counts(sandbox) == (1, 0, 15)  # the stored token was never used for other creds


def test_access_denied_is_the_livestreams_problem_not_the_tokens(
    sandbox: SandboxServer,
) -> None:
    """Another business's livestreams: one new token at most, then skipped by name."""
    svc = service(sandbox)
    foreign = [ls.id for ls in svc.livestreams(foreign=True)][:3]
    ours = svc.livestream_ids()[:2]
    cfg = config(sandbox, livestream_ids=[ours[0], *foreign, ours[1]], concurrency=1)
    report = _read(cfg, sandbox)
    assert (report.rows, report.errors) == (2, [])
    assert report.warnings == [
        "firework: 3 configured livestreams refused (401 Access denied: another business's, "
        f"or this app may not read it), skipped: {', '.join(foreign)}"
    ]
    issued, unauthorized, details = _counts(sandbox)
    assert (issued, unauthorized, details) == (2, 0, 2)
    # 2 tokens, 2 of ours, 3 foreign and one retry of the first with the new token: no loop
    assert sandbox.stats()["firework"]["requests"] == 2 + 2 + 3 + 1


def test_a_token_refused_right_after_issue_fails_the_run_without_a_loop(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.set_knobs("firework", options={"token_ttl_s": 0})  # dead on arrival
    cfg = _short(sandbox, concurrency=1)
    with caplog.at_level(logging.WARNING):
        report = _read(cfg, sandbox)
    [error] = report.errors
    assert str(error).endswith(
        "/detail: access token refused right after a new one was issued "
        "(HTTP 401: Unauthorized); check the app's access to livestreams"
    )
    issued, unauthorized, details = _counts(sandbox)
    # the first token, then two new ones, each refused before any call used it
    assert (unauthorized, details) == (3, 0) and issued <= 4
    assert report.rows == 0


def test_check_asks_for_a_token_and_says_whether_the_cached_one_lived(
    sandbox: SandboxServer,
) -> None:
    svc = service(sandbox)
    cfg = config(sandbox)
    clock = svc.ctx.clock.now
    assert check_credentials(cfg, clock=clock) == (
        "ok (client credentials accepted: new token valid 3600 s; no token was cached)"
    )
    sandbox.advance_clock(600)
    assert check_credentials(cfg, clock=clock) == (
        "ok (client credentials accepted: new token valid 3600 s; "
        "the cached token was still valid, 50 min left)"
    )
    sandbox.advance_clock(3500)
    assert check_credentials(cfg, clock=clock).endswith("; the cached token had expired)")
    _read(cfg, sandbox)  # the run uses the token the check left
    with pytest.raises(ProviderError) as refused:
        check_credentials(config(sandbox, client_secret="wrong-secret-123"), clock=clock)
    assert str(refused.value) == WRONG_SECRET_LINE
    assert _counts(sandbox) == (3, 0, 283)  # a refused request issues none
    assert os.environ["SOURCES__FIREWORK__CLIENT_SECRET"] == SECRET


def test_no_livestreams_configured_costs_no_request(sandbox: SandboxServer) -> None:
    report = _read(config(sandbox, livestream_ids=[]), sandbox)
    assert (report.rows, report.requests, report.errors) == (0, 0, [])
    assert sandbox.stats()["firework"]["requests"] == 0
