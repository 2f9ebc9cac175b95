"""The landing store in PostgreSQL (``LSW_STATE_URL``): receivers and pollers on several
machines landing into one table that the sensor drains.

The same promises as the SQLite store: ``add`` returns after its transaction committed (on
disk with the server's default ``synchronous_commit = on``), so a record whose add returned
survives the death of the receiver and of the server; (source, record id) is unique and a
second copy is dropped by ``on conflict do nothing``.

One more is needed with several writers. The sensor reads ``seq > cursor`` and moves its
cursor to the last seq it saw; if two transactions drew seqs 10 and 11 and 11 committed
first, a read between the commits would move the cursor past 10 for good. So every add takes
one advisory lock for its transaction: seqs are drawn and committed in the same order, and a
reader never sees a seq before a smaller one that is still to come. Writers batch (the
receiver's group commit), so the lock is taken once per batch, not once per record.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import psycopg
from psycopg.rows import class_row

from live.store import Landed, Record
from pipelines.statedb import SCHEMA, StateDbError, cause, connect, create_once, redacted

TABLE = f"{SCHEMA}.landing"
DDL = f"""
create table if not exists {TABLE} (
    seq bigint generated always as identity primary key,
    source text not null,
    record_id text not null,
    received_at double precision not null,
    body bytea not null,
    unique (source, record_id)
)
"""
ADD_LOCK = 0x6C7377_6C616E  # one writer's transaction at a time ("lsw", "lan")
INSERT = f"""
insert into {TABLE} (source, record_id, received_at, body)
select source, record_id, received_at, body
from unnest(%s::text[], %s::text[], %s::float8[], %s::bytea[])
    with ordinality as batch (source, record_id, received_at, body, place)
order by place
on conflict (source, record_id) do nothing
returning source, record_id
"""


class PostgresLandingStore:
    """``LandingStore`` on a table in the state database; one connection shared by threads
    under a lock, opened again if the server dropped it."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.where = f"{redacted(url)} {TABLE}"
        self._lock = threading.Lock()
        self._con: psycopg.Connection[tuple[object, ...]] | None = None
        with self._lock:
            create_once(self._connection(), TABLE, DDL)

    def __repr__(self) -> str:
        return f"PostgresLandingStore({self.where!r})"

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        """The open connection (the caller holds the lock); a broken one is replaced."""
        if self._con is None or self._con.closed:
            try:
                self._con = connect(self._url, "landing")
            except psycopg.Error as error:
                raise StateDbError(
                    f"landing store {self.where}: cannot be reached: {cause(error)}"
                ) from None
        return self._con

    def add(self, records: Sequence[Record]) -> list[bool]:
        if not records:
            return []
        columns = (
            [r.source for r in records],
            [r.record_id for r in records],
            [r.received_at for r in records],
            [r.body for r in records],
        )
        with self._lock:
            con = self._connection()
            with con.transaction():
                con.execute("select pg_advisory_xact_lock(%s)", (ADD_LOCK,))
                stored = {(str(s), str(i)) for s, i in con.execute(INSERT, columns).fetchall()}
        fresh = []
        for r in records:  # the first of a key in the batch is the one the insert kept
            key = (r.source, r.record_id)
            fresh.append(key in stored)
            stored.discard(key)
        return fresh

    def read(self, after: int, limit: int) -> list[Landed]:
        with self._lock, self._connection().cursor(row_factory=class_row(Landed)) as cur:
            return cur.execute(
                f"select seq, source, record_id, received_at, body from {TABLE} "
                "where seq > %s order by seq limit %s",
                (after, limit),
            ).fetchall()

    def count(self, source: str | None = None) -> int:
        with self._lock:
            con = self._connection()
            if source is None:
                row = con.execute(f"select count(*) from {TABLE}").fetchone()
            else:
                row = con.execute(
                    f"select count(*) from {TABLE} where source = %s", (source,)
                ).fetchone()
        assert row is not None and isinstance(row[0], int)
        return row[0]

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def __enter__(self) -> PostgresLandingStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
