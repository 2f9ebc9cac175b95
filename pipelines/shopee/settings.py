"""Shopee Livestream constants and configuration (docs/contract.md, docs/providers/shopee.md)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from dlt.common.typing import SecretSentinel, TSecretStrValue

from pipelines.config import ProviderConfig, configspec, listed_in_file
from pipelines.errors import ConfigError
from pipelines.redaction import register_secret

PROVIDER = "shopee"
DEFAULT_BASE_URL = "https://partner.shopeemobile.com"
LIVE = "/api/v2/livestream/"
REFRESH_PATH = "/api/v2/auth/access_token/get"
REFRESH_ENDPOINT = f"POST {REFRESH_PATH}"
PAGE_SIZE = 100  # the most get_session_item_metric and get_item_list hand out per page
MAX_PAGES = 1_000  # a session's bag holds at most a few hundred items: a guard, not a limit
ROWS_PER_BATCH = 5_000
TOKEN_MARGIN_S = 600.0  # an access token (4 h) closer than this to expiry is refreshed first
# A refresh waits this many times the usual timeout for its answer: Shopee may rotate the
# token and then answer late, and an answer given up on is a lost token pair (the account
# locked until the seller authorises again), where waiting costs one call per account in 4 h.
REFRESH_TIMEOUT_FACTOR = 3.0

# Local currency of each site (docs/providers/shopee.md): GMV and prices are in it.
REGION_CURRENCY = {
    "TW": "TWD",
    "ID": "IDR",
    "TH": "THB",
    "MY": "MYR",
    "PH": "PHP",
    "SG": "SGD",
    "VN": "VND",
}

# accounts hold refresh tokens: a secret as a whole, so dlt reads it only from secret
# providers (secrets.toml, environment) and never records its value in a pipeline trace
SecretAccounts = Annotated[Any, SecretSentinel]


@dataclass(frozen=True)
class Account:
    """One authorised Shopee user (seller or affiliate streamer)."""

    user_id: int
    refresh_token: str = field(repr=False)
    region: str

    @property
    def currency(self) -> str:
        return REGION_CURRENCY[self.region]


@dataclass(frozen=True)
class ConfiguredSession:
    user_id: int
    session_id: int


@configspec
class ShopeeConfig(ProviderConfig):
    """Configuration keys of ``sources.shopee`` (docs/contract.md), besides ProviderConfig's.

    Attributes:
        partner_id: the app's partner_id (Shopee Open Platform console).
        partner_key: the app's partner_key (secret): signs every call.
        accounts: ``[{"user_id": int, "refresh_token": str, "region": "TW"}]`` (secret, as it
            holds refresh tokens: put it in secrets.toml). The refresh token only seeds the
            token store; later ones are kept there.
        sessions: ``[{"user_id": int, "session_id": int}]``: Shopee has no list endpoint.
        sessions_file: instead, a JSON file holding that list (a long list does not fit in
            an environment variable).
        clock_offset_s: seconds added to this machine's clock when signing; Shopee refuses a
            timestamp more than 5 minutes off its own clock.
        concurrency: sessions fetched at once.
    """

    provider: ClassVar[str] = PROVIDER

    partner_id: int = None  # type: ignore[assignment]
    partner_key: TSecretStrValue = None  # type: ignore[assignment]
    accounts: SecretAccounts = None
    sessions: list[dict[str, Any]] | None = None
    sessions_file: str | None = None
    base_url: str = DEFAULT_BASE_URL
    clock_offset_s: float = 0.0

    def on_resolved(self) -> None:
        register_secret(self.partner_key)
        self.base_url = self.base_url.rstrip("/")
        self.concurrency = max(1, self.concurrency)
        self.session_list()  # a malformed list fails here, before any call

    def account_list(self) -> list[Account]:
        return _accounts(self.accounts)

    def session_list(self) -> list[ConfiguredSession]:
        if self.sessions is None:  # read once, kept as the list
            self.sessions = listed_in_file(self.sessions_file, "sessions", PROVIDER)
        return _sessions(self.sessions, {a.user_id for a in self.account_list()})

    def now(self) -> float:
        """Unix seconds by Shopee's clock, as far as this machine knows it."""
        return time.time() + self.clock_offset_s


def _load(value: Any, key: str) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _bad(key, "is not JSON") from None
    if not isinstance(value, list):
        raise _bad(key, "must be a list")
    return value


def _accounts(value: Any) -> list[Account]:
    out: list[Account] = []
    for n, raw in enumerate(_load(value, "accounts")):
        if not isinstance(raw, dict):
            raise _bad(f"accounts[{n}]", "must be an object")
        token = raw.get("refresh_token")
        if not isinstance(token, str) or not token:
            raise _bad(f"accounts[{n}].refresh_token", "is missing")
        register_secret(token)
        region = str(raw.get("region", "")).upper()
        if region not in REGION_CURRENCY:
            known = ", ".join(REGION_CURRENCY)
            raise _bad(f"accounts[{n}].region", f"must be one of {known}")
        out.append(Account(_int(raw.get("user_id"), f"accounts[{n}].user_id"), token, region))
    if len({a.user_id for a in out}) != len(out):
        raise _bad("accounts", "lists a user_id twice")
    return out


def _sessions(value: Any, users: set[int]) -> list[ConfiguredSession]:
    out: list[ConfiguredSession] = []
    for n, raw in enumerate(_load(value, "sessions")):
        if not isinstance(raw, dict):
            raise _bad(f"sessions[{n}]", "must be an object")
        session = ConfiguredSession(
            _int(raw.get("user_id"), f"sessions[{n}].user_id"),
            _int(raw.get("session_id"), f"sessions[{n}].session_id"),
        )
        if session.user_id not in users:
            raise _bad(f"sessions[{n}].user_id", "is not among sources.shopee.accounts")
        out.append(session)
    return list(dict.fromkeys(out))  # a session listed twice is fetched once


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(key, "must be an integer")
    try:
        return int(value)
    except ValueError:
        raise _bad(key, "must be an integer") from None


def _bad(key: str, why: str) -> ConfigError:
    return ConfigError(f"{PROVIDER}: configuration: sources.{PROVIDER}.{key}: {why}")
