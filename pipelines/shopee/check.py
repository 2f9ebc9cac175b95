"""``lsw check --provider shopee``: does each account's token work, at the least cost?

A stored token that has not expired is proven with one call of the cheapest kind there is,
get_item_count on one of the account's configured sessions (one call of the daily quota, no
refresh). An account with no usable stored token is refreshed: that is the proof, and it
spends no livestream quota (the new pair is stored before anything else, as in a run).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

from pipelines.errors import ProviderError
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.errors import AppRefused, SessionUnavailable
from pipelines.shopee.schema import ITEM_COUNT
from pipelines.shopee.settings import PROVIDER, TOKEN_MARGIN_S, Account, ShopeeConfig
from pipelines.tokens import TokenStore

PROBE = "get_item_count"


def check_credentials(
    config: ShopeeConfig,
    store: TokenStore | None = None,
    clock: Callable[[], float] | None = None,
) -> str:
    """ "ok (N accounts, R requests: per account how its token was proven)"; a ProviderError
    naming the first account that failed, and how many others were fine, otherwise."""
    settings = dataclasses.replace(config.http(), max_attempts=2)
    sessions: dict[int, int] = {}
    for s in config.session_list():
        sessions.setdefault(s.user_id, s.session_id)
    lines: list[str] = []
    failures: list[ProviderError] = []
    with ShopeeApi(config, store=store, clock=clock, settings=settings) as api:
        for account in api.accounts.values():
            try:
                lines.append(_check(api, account, sessions.get(account.user_id, 0)))
            except AppRefused:
                raise  # the app's credentials: every account would say the same
            except ProviderError as exc:
                failures.append(exc)
        spent = api.requests_made
    total = len(lines) + len(failures)
    if failures:
        first = failures[0]
        cause = f"{first.cause} ({len(lines)} of {total} accounts ok)"
        raise ProviderError(PROVIDER, first.endpoint, cause, first.status)
    return f"ok ({total} accounts, {spent} requests: {'; '.join(lines)})"


def _check(api: ShopeeApi, account: Account, session_id: int) -> str:
    uid = account.user_id
    keeper = api.keeper(uid)
    stored = api.store.load(PROVIDER, str(uid))
    fresh = (
        stored is not None
        and stored.seed == keeper.seed
        and stored.expires_at - TOKEN_MARGIN_S > api.clock()
    )
    if not fresh:
        keeper.access_token()  # refreshes, and stores the new pair first
        how = "refreshed"
    else:
        # error_data still proves the token: it was accepted, the session is a run's business
        with contextlib.suppress(SessionUnavailable):
            api.get(uid, PROBE, ITEM_COUNT, session_id=session_id)
        replaced = api.store.load(PROVIDER, str(uid)) != stored
        how = "stored token refused, refreshed" if replaced else f"stored token works ({PROBE})"
    tokens = api.store.load(PROVIDER, str(uid))
    until = _utc(tokens.expires_at) if tokens is not None else "?"
    return f"{uid} {how}, valid until {until}"


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")
