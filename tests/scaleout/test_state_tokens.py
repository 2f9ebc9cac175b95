"""The token store in PostgreSQL (LSW_STATE_URL): two machines rotating one Shopee account
never spend a refresh token twice, and the table is the store's role's alone."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from pipelines.registry import SPECS
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.settings import ShopeeConfig
from pipelines.statedb import connect
from pipelines.tokens import PostgresTokenStore, Tokens, TokenStoreError, default_store
from sandbox import SandboxServer
from tests.conftest import FROZEN_AT
from tests.scaleout.processes import start_together

TIMES = 12  # refreshes per process


def test_two_machines_rotating_one_shopee_account_never_reuse_a_refresh_token(
    sandbox: SandboxServer, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an access token lives 600 s, the refresh margin: every use refreshes first
    sandbox.set_knobs("shopee", options={"access_token_ttl_s": 600})
    offset = str(FROZEN_AT - time.time())
    machines = [tmp_path / "a", tmp_path / "b"]
    ended = start_together(
        [[sys.executable, "-m", "tests.scaleout.rotate", str(TIMES)]] * 2,
        [
            {
                **os.environ,
                **sandbox.env(),
                "SOURCES__SHOPEE__CLOCK_OFFSET_S": offset,
                "LSW_STATE_URL": postgres_url,
                # no file shared between the two: each has its own token and state folders
                "LSW_TOKEN_DIR": str(machine / "tokens"),
                "LSW_STATE_DIR": str(machine / "state"),
            }
            for machine in machines
        ],
    )
    said = [text for _, text in ended]
    assert [code for code, _ in ended] == [0, 0], said
    stats = sandbox.stats()["shopee"]
    assert stats["token_refreshes"] == 2 * TIMES
    assert stats["refresh_tokens_reused"] == 0
    assert not any((machine / "tokens").exists() for machine in machines)

    # the row holds the chain's newest refresh token: the next refresh from it is accepted
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LSW_STATE_URL", postgres_url)
    monkeypatch.setenv("SOURCES__SHOPEE__CLOCK_OFFSET_S", offset)
    config = SPECS["shopee"].read_config()
    assert isinstance(config, ShopeeConfig)
    account = config.account_list()[0]
    store = default_store()
    assert isinstance(store, PostgresTokenStore)
    stored = store.load("shopee", str(account.user_id))
    assert stored is not None and stored.refresh_token is not None
    with ShopeeApi(config, store=store) as api:
        api.keeper(account.user_id).access_token()
    stats = sandbox.stats()["shopee"]
    assert (stats["token_refreshes"], stats["refresh_tokens_reused"]) == (2 * TIMES + 1, 0)
    newest = store.load("shopee", str(account.user_id))
    assert newest is not None and newest.refresh_token != stored.refresh_token
    # no token value in what the processes wrote, nor in the store's repr
    for text in [*said, repr(store), repr(newest)]:
        assert newest.access_token not in text and stored.refresh_token not in text


def test_the_lock_holds_every_other_process_until_released(postgres_url: str) -> None:
    holder = PostgresTokenStore(postgres_url)
    waiter = PostgresTokenStore(postgres_url, lock_timeout_s=0.3)
    with holder.lock("shopee", "840123"):
        holder.save("shopee", "840123", Tokens("access-secret-1", 1e10, "refresh-secret-1"))
        with holder.lock("shopee", "840123"):  # re-entrant, as save() needs
            assert waiter.load("shopee", "840123") == Tokens(
                "access-secret-1", 1e10, "refresh-secret-1"
            )
        with pytest.raises(TokenStoreError) as caught, waiter.lock("shopee", "840123"):
            pass
        with waiter.lock("shopee", "other-account"):  # another account is not held
            pass
    where = postgres_url + " lsw_state.tokens"
    assert str(caught.value) == (
        f"shopee: token store: {where}: still locked by another run after 0.3 s"
    )
    # a holder that dies (its connection closes) lets the lock go
    released = threading.Event()

    def hold_then_die() -> None:
        with holder.lock("shopee", "840123"):
            released.wait(10)

    thread = threading.Thread(target=hold_then_die)
    thread.start()
    time.sleep(0.2)
    with pytest.raises(TokenStoreError), waiter.lock("shopee", "840123"):
        pass
    released.set()
    thread.join()
    with waiter.lock("shopee", "840123"):
        assert waiter.load("shopee", "840123") is not None


def test_the_table_is_not_readable_by_another_role_and_is_refused_when_it_is(
    postgres_url: str,
) -> None:
    store = PostgresTokenStore(postgres_url)
    store.save("shopee", "840123", Tokens("access-secret-1", 1e10, "refresh-secret-1"))
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("create role warehouse_reader login")
        admin.execute("grant usage on schema public to warehouse_reader")
    reader_url = postgres_url.replace("//lsw@", "//warehouse_reader@")
    with psycopg.connect(reader_url) as reader, pytest.raises(psycopg.errors.InsufficientPrivilege):
        reader.execute("select access_token from lsw_state.tokens")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("grant usage on schema lsw_state to warehouse_reader")
        admin.execute("grant select on lsw_state.tokens to warehouse_reader")
    with pytest.raises(TokenStoreError) as caught:
        PostgresTokenStore(postgres_url).load("shopee", "840123")
    assert str(caught.value) == (
        f"shopee: token store: {postgres_url} lsw_state.tokens: is readable by other roles "
        "(warehouse_reader); run: REVOKE ALL ON lsw_state.tokens FROM warehouse_reader"
    )


def test_an_unreachable_server_is_one_line_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql://lsw:hunter2-secret@127.0.0.1:9/state"
    monkeypatch.setenv("LSW_STATE_URL", url)
    store = default_store()
    with pytest.raises(TokenStoreError) as caught:
        store.load("shopee", "840123")
    message = str(caught.value)
    assert message.startswith(
        "shopee: token store: postgresql://lsw:***@127.0.0.1:9/state lsw_state.tokens: "
        "cannot be reached: "
    )
    assert "hunter2" not in message and "\n" not in message
    monkeypatch.setenv("LSW_STATE_URL", "mysql://db/state")
    with pytest.raises(ValueError, match="LSW_STATE_URL: 'mysql://db/state' is not a PostgreSQL"):
        default_store()


def test_every_connection_is_utc_and_keeps_alive_at_both_ends(postgres_url: str) -> None:
    """The server notices a vanished machine in about a minute and releases its locks."""
    with connect(postgres_url, "tokens") as con:
        shown = [
            con.execute(f"show {name}").fetchone()
            for name in ("TimeZone", "tcp_keepalives_idle", "tcp_keepalives_interval")
        ]
        assert shown == [("UTC",), ("30",), ("10",)]
        assert con.info.get_parameters()["keepalives_idle"] == "30"
