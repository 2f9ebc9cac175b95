"""Subscribers with the user token: seeded into the token store, refreshed on expiry (11714)
with the rotated pair kept, and one-line failures when it cannot be renewed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pipelines.report import RunReport
from pipelines.tokens import Tokens, default_store, fingerprint
from pipelines.trovo import helpers, trovo_snapshot_source
from pipelines.trovo.helpers import TrovoApi, trovo_client
from pipelines.trovo.settings import TOKEN_ACCOUNT
from pipelines.trovo.subscribers import UserToken, subscriber_pages
from sandbox import SandboxServer
from tests.conftest import FROZEN_AT
from tests.pipelines.trovo.conftest import Loaded, channel_ids, trovo_config

TTL = 14_400  # the configured token's life from the sandbox's start (FROZEN_AT)


def _stored() -> Tokens:
    tokens = default_store().load("trovo", TOKEN_ACCOUNT)
    assert tokens is not None
    return tokens


def _env(sandbox: SandboxServer) -> dict[str, str]:
    env = sandbox.env()
    return {
        "access": env["SOURCES__TROVO__ACCESS_TOKEN"],
        "refresh": env["SOURCES__TROVO__REFRESH_TOKEN"],
        "secret": env["SOURCES__TROVO__CLIENT_SECRET"],
    }


def _expire(sandbox: SandboxServer, *tokens: str) -> None:
    sandbox.set_knobs(
        "trovo", rate_limit=1200, rate_window_s=60, options={"expire_tokens": list(tokens)}
    )


def _subscribers(load: Callable[..., Loaded], **overrides: Any) -> tuple[RunReport, int]:
    report = RunReport("trovo")
    loaded = load(trovo_snapshot_source(trovo_config(**overrides), report).with_resources(
        "subscribers"))  # fmt: skip
    rows = loaded.rows("select count(*) from trovo.subscribers") if "subscribers" in (
        loaded.tables()) else [(0,)]  # fmt: skip
    return report, rows[0][0]


def test_the_configured_token_seeds_the_store(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    report, rows = _subscribers(load)
    assert rows == 36 and not report.errors  # ids[0]'s subscribers at FROZEN_AT
    stored, env = _stored(), _env(sandbox)
    assert (stored.access_token, stored.refresh_token) == (env["access"], env["refresh"])
    assert stored.expires_at == FROZEN_AT + TTL  # as /validate told it
    assert stored.seed == fingerprint(env["refresh"], env["access"])
    assert sandbox.stats()["trovo"]["refreshes"] == 0
    assert report.requests == 2  # /validate, one page of subscriptions
    report, rows = _subscribers(load)  # the stored token, validated once more
    assert report.requests == 2 and rows == 36


def test_an_expired_token_is_refreshed_and_the_rotated_pair_kept(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    env = _env(sandbox)
    _subscribers(load)
    _expire(sandbox, env["access"])  # Trovo now answers 11714 for it
    report, rows = _subscribers(load)
    assert rows == 36 and not report.errors
    assert sandbox.stats()["trovo"]["refreshes"] == 1
    stored = _stored()
    assert stored.access_token != env["access"] and stored.refresh_token != env["refresh"]
    assert stored.expires_at == FROZEN_AT + TTL  # 14400 s from the sandbox's now
    assert stored.seed == fingerprint(env["refresh"], env["access"])
    # validate (11714), refresh, validate, subscriptions
    assert report.requests == 4
    report, rows = _subscribers(load)  # the rotated token serves the next snapshot
    assert rows == 36 and sandbox.stats()["trovo"]["refreshes"] == 1 and report.requests == 2


def test_the_four_hour_token_is_renewed_before_it_is_refused(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    _subscribers(load)
    sandbox.advance_clock(TTL)  # the token's life is over, on the sandbox's clock and ours
    report, rows = _subscribers(load)
    assert rows == 36 and not report.errors and sandbox.stats()["trovo"]["refreshes"] == 1
    assert report.requests == 3  # refresh, validate, subscriptions: no 11714 on the way
    assert _stored().expires_at == FROZEN_AT + 2 * TTL


def test_a_token_expiring_mid_listing_is_refreshed_once(sandbox: SandboxServer) -> None:
    env = _env(sandbox)
    owner = channel_ids(sandbox)[0]
    with trovo_client(trovo_config()) as client:
        api = TrovoApi(client)
        token = UserToken(api, trovo_config())
        access, who = token.owner()
        assert (access, who["uid"]) == (env["access"], owner)
        _expire(sandbox, env["access"])
        pages = list(subscriber_pages(api, token, access, owner, helpers.observed_now()))
    assert [len(page) for page in pages] == [36] and token.refreshes == 1
    assert client.requests_made == 4  # validate, subscriptions (11714), refresh, subscriptions
    assert {row["observed_at"] for row in pages[0]} == {datetime.fromtimestamp(FROZEN_AT, UTC)}


def test_an_expired_refresh_token_fails_in_one_line_and_keeps_the_rest(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    env = _env(sandbox)
    _expire(sandbox, env["access"], env["refresh"])
    report = RunReport("trovo")
    loaded = load(trovo_snapshot_source(trovo_config(), report))
    assert [str(e) for e in report.errors] == [
        "trovo: POST /refreshtoken: refresh token expired: authorise the app again "
        "(docs/token-store.md) (11712: Refresh token has expired)"
    ]
    assert loaded.rows("select count(*) from trovo.channel_snapshots") == [(4,)]
    assert "subscribers" not in loaded.tables()


def test_a_token_that_cannot_be_renewed_says_what_to_configure(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    _expire(sandbox, _env(sandbox)["access"])
    report, rows = _subscribers(load, refresh_token=None, client_secret=None)
    assert rows == 0
    assert [str(e) for e in report.errors] == [
        "trovo: POST /refreshtoken: the access token expired and cannot be renewed: configure "
        "sources.trovo.refresh_token and client_secret, or a new access_token"
    ]


def test_a_token_of_a_channel_not_configured_reads_nothing_and_says_so(
    sandbox: SandboxServer, load: Callable[..., Loaded]
) -> None:
    ids = channel_ids(sandbox)
    report, rows = _subscribers(load, channel_ids=ids[1:])
    assert rows == 0 and not report.errors and report.requests == 1  # /validate only
    assert report.warnings == [
        f"trovo: no subscribers read: the access token belongs to channel {ids[0]}, which is "
        "not in channel_ids"
    ]
