"""``lsw check --provider shopee``: per account, whether its token works, at the least cost."""

from __future__ import annotations

import pytest

from pipelines.errors import ProviderError
from pipelines.shopee import SPEC
from pipelines.shopee.check import check_credentials
from pipelines.tokens import FileTokenStore
from sandbox import SandboxServer
from sandbox.providers.shopee import ShopeeService
from tests.pipelines.shopee.conftest import config


def _check(sandbox: SandboxServer, store: FileTokenStore) -> str:
    return check_credentials(config(), store=store, clock=sandbox.runtime.clock.now)


def _spent(sandbox: SandboxServer) -> tuple[int, int]:
    """(token refreshes, livestream calls of the daily quota) so far."""
    stats = sandbox.stats()["shopee"]
    return stats["token_refreshes"], stats["calls_today"]


def test_check_refreshes_only_what_has_no_usable_token_and_proves_the_rest_with_one_call(
    env: object, sandbox: SandboxServer, store: FileTokenStore
) -> None:
    users = [a.user_id for a in config().account_list()]
    # nothing stored: a refresh is the proof, and it spends no livestream quota
    assert (
        _check(sandbox, store)
        == "ok (8 accounts, 8 requests: "
        + "; ".join(f"{u} refreshed, valid until 2026-11-20 16:00 UTC" for u in users)
        + ")"
    )
    assert _spent(sandbox) == (8, 0)
    # stored and unexpired: one get_item_count per account, no refresh
    sandbox.advance_clock(3600)
    assert (
        _check(sandbox, store)
        == "ok (8 accounts, 8 requests: "
        + "; ".join(
            f"{u} stored token works (get_item_count), valid until 2026-11-20 16:00 UTC"
            for u in users
        )
        + ")"
    )
    assert _spent(sandbox) == (8, 8)
    assert SPEC.check is check_credentials


def test_check_names_the_account_to_authorise_again(
    env: object, sandbox: SandboxServer, service: ShopeeService, store: FileTokenStore
) -> None:
    _check(sandbox, store)
    gone = config().account_list()[5].user_id
    service.cancel_authorization(gone)
    with pytest.raises(ProviderError) as caught:
        _check(sandbox, store)
    assert str(caught.value) == (
        f"shopee: POST /api/v2/auth/access_token/get: account {gone}: refresh token refused "
        '(error_auth "You are not authorized"): authorise the account again and put its new '
        "refresh_token in sources.shopee.accounts (docs/token-store.md) (7 of 8 accounts ok)"
    )
    # 8 probes, 7 of them counted (the refused one never reached the quota), and the refused
    # account's one refresh, refused (the 8 refreshes are those of the first check)
    assert _spent(sandbox) == (8, 7)
    assert sandbox.stats()["shopee"]["requests"] == 8 + 8 + 1


def test_check_with_a_wrong_partner_key_is_one_line_after_one_request(
    env: object, sandbox: SandboxServer, store: FileTokenStore
) -> None:
    sandbox.set_knobs("shopee", options={"partner_key": "not-this-apps-key"})
    with pytest.raises(ProviderError) as caught:
        _check(sandbox, store)
    assert str(caught.value) == (
        'shopee: POST /api/v2/auth/access_token/get: signature refused (error_sign "Wrong '
        'sign."): check sources.shopee.partner_id and partner_key'
    )
    assert sandbox.stats()["shopee"]["requests"] == 1
