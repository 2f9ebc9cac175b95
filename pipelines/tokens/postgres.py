"""The token store in PostgreSQL (``LSW_STATE_URL``): one row per account, for many machines.

A table ``lsw_state.tokens`` keyed by (provider, account). An account's lock is a PostgreSQL
advisory lock on a key derived from the account, taken by a connection of its own and held
for the whole rotation (read, refresh, save); any other process, on any machine, that wants
the account waits on the server. A process that dies (even by SIGKILL) closes its connection
and the server lets the lock go, as the kernel does a file's ``flock``. Saves are autocommit
upserts: when one returns the server has the row on disk (``synchronous_commit`` on, its
default), so a rotated Shopee refresh token is stored before the access token is used.

The table is the store's role's alone: created without grants to anyone, and a table another
role may read is refused, as a token file open to other users is.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import errors

from pipelines.statedb import SCHEMA, cause, connect, create_once, redacted
from pipelines.tokens.base import Tokens, TokenStoreError

TABLE = f"{SCHEMA}.tokens"
DDL = f"""
create table if not exists {TABLE} (
    provider text not null,
    account text not null,
    access_token text not null,
    expires_at double precision not null,
    refresh_token text,
    seed text,
    saved_at timestamptz not null default now(),
    primary key (provider, account)
)
"""
# Roles other than the table's owner that may read it (0 in aclexplode is PUBLIC).
READERS = f"""
select coalesce(r.rolname, 'PUBLIC')
from pg_class c
cross join lateral aclexplode(c.relacl) a
left join pg_roles r on r.oid = a.grantee
where c.oid = '{TABLE}'::regclass and a.grantee <> c.relowner and a.privilege_type = 'SELECT'
order by 1
"""
UPSERT = f"""
insert into {TABLE} (provider, account, access_token, expires_at, refresh_token, seed, saved_at)
values (%s, %s, %s, %s, %s, %s, now())
on conflict (provider, account) do update set
    access_token = excluded.access_token,
    expires_at = excluded.expires_at,
    refresh_token = excluded.refresh_token,
    seed = excluded.seed,
    saved_at = excluded.saved_at
"""
SELECT = f"""
select access_token, expires_at, refresh_token, seed from {TABLE}
where provider = %s and account = %s
"""


def lock_key(provider: str, account: str) -> int:
    """The account's advisory-lock key: a signed 64-bit digest, the same on every machine."""
    digest = hashlib.sha256(f"lsw.tokens\0{provider}\0{account}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass
class _Held:
    connection: psycopg.Connection[tuple[object, ...]]
    depth: int


class PostgresTokenStore:
    """A TokenStore in a PostgreSQL database, safe for every thread, process and machine.

    Args:
        url: ``postgresql://user[:password]@host[:port]/database``; the role needs to
            create the ``lsw_state`` schema once (or own it, made by an administrator).
        lock_timeout_s: how long to wait for an account another run holds before giving up
            with an error rather than hanging.
    """

    def __init__(self, url: str, *, lock_timeout_s: float = 600.0) -> None:
        self._url = url
        self.lock_timeout_s = lock_timeout_s
        self.where = f"{redacted(url)} {TABLE}"
        self._held = threading.local()  # (provider, account) -> _Held, per thread
        self._ready = False
        self._ready_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresTokenStore({self.where!r})"

    # --- the TokenStore protocol --------------------------------------------------------------

    def load(self, provider: str, account: str) -> Tokens | None:
        with self._connection(provider, account) as con:
            try:
                row = con.execute(SELECT, (provider, account)).fetchone()
            except psycopg.Error as error:
                raise self._error(provider, "cannot be read", error) from None
        if row is None:
            return None
        access, expires_at, refresh, seed = row
        assert isinstance(access, str) and isinstance(expires_at, float)
        assert refresh is None or isinstance(refresh, str)
        assert seed is None or isinstance(seed, str)
        return Tokens(access_token=access, expires_at=expires_at, refresh_token=refresh, seed=seed)

    def save(self, provider: str, account: str, tokens: Tokens) -> None:
        row = (
            provider,
            account,
            tokens.access_token,
            tokens.expires_at,
            tokens.refresh_token,
            tokens.seed,
        )
        with self._connection(provider, account) as con:
            try:
                con.execute(UPSERT, row)
            except psycopg.Error as error:
                raise self._error(provider, "cannot be written", error) from None

    @contextmanager
    def lock(self, provider: str, account: str) -> Iterator[None]:
        """The account's advisory lock, re-entrant within a thread (``save`` inside it)."""
        held: dict[tuple[str, str], _Held] = self._held.__dict__.setdefault("accounts", {})
        mine = held.get((provider, account))
        if mine is not None:
            mine.depth += 1
            try:
                yield
            finally:
                mine.depth -= 1
            return
        con = self._open(provider)
        try:
            try:
                con.execute(f"set lock_timeout = {round(self.lock_timeout_s * 1000)}")
                con.execute("select pg_advisory_lock(%s)", (lock_key(provider, account),))
            except errors.LockNotAvailable:
                timeout = f"still locked by another run after {self.lock_timeout_s:g} s"
                raise TokenStoreError(provider, self.where, timeout) from None
            except psycopg.Error as error:
                raise self._error(provider, "cannot be locked", error) from None
            held[(provider, account)] = _Held(con, 1)
            try:
                yield
            finally:
                del held[(provider, account)]
        finally:
            con.close()  # closing the session lets the lock go, whatever happened inside

    # --- connections ------------------------------------------------------------------------

    @contextmanager
    def _connection(
        self, provider: str, account: str
    ) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        """The lock's connection while this thread holds the account, else a short one."""
        held: dict[tuple[str, str], _Held] = self._held.__dict__.setdefault("accounts", {})
        mine = held.get((provider, account))
        if mine is not None:
            yield mine.connection
            return
        con = self._open(provider)
        try:
            yield con
        finally:
            con.close()

    def _open(self, provider: str) -> psycopg.Connection[tuple[object, ...]]:
        try:
            con = connect(self._url, "tokens")
        except psycopg.Error as error:
            raise self._error(provider, "cannot be reached", error) from None
        try:
            self._prepare(provider, con)
        except BaseException:
            con.close()
            raise
        return con

    def _prepare(self, provider: str, con: psycopg.Connection[tuple[object, ...]]) -> None:
        """Create the table once (first process wins) and refuse one others may read."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            try:
                create_once(con, TABLE, DDL)
                readers = [str(r[0]) for r in con.execute(READERS).fetchall()]
            except psycopg.Error as error:
                raise self._error(provider, "cannot be created", error) from None
            if readers:
                names = ", ".join(readers)
                why = (
                    f"is readable by other roles ({names}); run: REVOKE ALL ON {TABLE} FROM {names}"
                )
                raise TokenStoreError(provider, self.where, why)
            self._ready = True

    def _error(self, provider: str, what: str, error: BaseException) -> TokenStoreError:
        return TokenStoreError(provider, self.where, f"{what}: {cause(error)}")
