"""The landing store: every record caught live, on disk before anyone is told it is stored.

SQLite in WAL mode with ``synchronous=FULL``: a commit returns only after the write-ahead log
is fsynced, so a record whose commit returned survives SIGKILL and power loss. Each record is
keyed by (source, record id) and stored with ``INSERT OR IGNORE``: a comment polled twice or
an event delivered twice is stored once. The store does not need the DuckDB warehouse, which a
scheduled load may hold for minutes. ``LandingStore`` is the interface; with ``LSW_STATE_URL``
set, ``open_store`` gives the PostgreSQL one (live/pg_store.py) that machines share.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipelines.statedb import state_url
from warehouse.paths import state_dir

FILE_NAME = "landing.sqlite3"
BUSY_TIMEOUT_MS = 30_000  # another process (the poller, the receiver, the sensor) commits

SCHEMA = """
create table if not exists records (
    seq integer primary key autoincrement,
    source text not null,
    record_id text not null,
    received_at real not null,
    body blob not null,
    unique (source, record_id)
)
"""


@dataclass(frozen=True)
class Record:
    """One thing caught live: ``source`` names its kind (``shopee.comment``, ``lisa.event``),
    ``record_id`` is unique within the source, ``body`` is the JSON as received."""

    source: str
    record_id: str
    received_at: float
    body: bytes


@dataclass(frozen=True)
class Landed:
    """A stored record and its place in the store (``seq`` only grows)."""

    seq: int
    source: str
    record_id: str
    received_at: float
    body: bytes


class LandingStore(Protocol):
    """What the poller, the receiver and the sensor need from a landing store."""

    @property
    def where(self) -> str:
        """Where the records are, for messages (a path, or a URL without its password)."""
        ...

    def add(self, records: Sequence[Record]) -> list[bool]:
        """Store ``records`` in one transaction; durable when this returns. One flag per
        record: True if it was new, False if the store already held its (source, id)."""
        ...

    def read(self, after: int, limit: int) -> list[Landed]:
        """Up to ``limit`` records with ``seq > after``, oldest first."""
        ...

    def count(self, source: str | None = None) -> int:
        """How many records the store holds (of ``source``)."""
        ...

    def close(self) -> None: ...


def default_path() -> Path:
    """``landing.sqlite3`` under the state directory (``LSW_STATE_DIR``)."""
    return state_dir() / FILE_NAME


def open_store(*, checkpoint_s: float | None = None) -> LandingStore:
    """The configured landing store: the state database's table with ``LSW_STATE_URL``,
    else the state directory's SQLite file (``checkpoint_s`` applies to that one)."""
    url = state_url()
    if url is not None:
        from live.pg_store import PostgresLandingStore

        return PostgresLandingStore(url)
    return SqliteLandingStore(checkpoint_s=checkpoint_s)


def existing_store() -> LandingStore | None:
    """The configured store when it may hold records, else None (no SQLite file yet: nothing
    has been caught, and a reader should not create one)."""
    if state_url() is None and not default_path().exists():
        return None
    return open_store()


class SqliteLandingStore:
    """``LandingStore`` on one SQLite file; one connection, shared by threads under a lock."""

    def __init__(self, path: Path | None = None, *, checkpoint_s: float | None = None) -> None:
        """``checkpoint_s``: copy the log into the database from a thread of its own every
        that many seconds instead of in the commit that fills it (a busy writer's commits
        then never wait for a checkpoint's fsync)."""
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        self._con.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = self._con.execute("pragma journal_mode = wal").fetchone()[0]
        if mode != "wal":
            raise RuntimeError(f"landing store {self.path}: cannot use WAL mode (got {mode})")
        self._con.execute("pragma synchronous = full")
        self._con.execute(SCHEMA)
        self.path.chmod(0o600)
        self.where = str(self.path)
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if checkpoint_s is not None:
            self._con.execute("pragma wal_autocheckpoint = 0")
            self._checkpointer = threading.Thread(
                target=self._checkpoint,
                args=(checkpoint_s,),
                name="landing-checkpoint",
                daemon=True,
            )
            self._checkpointer.start()

    def _checkpoint(self, every_s: float) -> None:
        con = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            while not self._stop.wait(every_s):
                con.execute("pragma wal_checkpoint(passive)")
        finally:
            con.close()

    def add(self, records: Sequence[Record]) -> list[bool]:
        if not records:
            return []
        keys = [(r.source, r.record_id) for r in records]
        with self._lock:
            con = self._con
            con.execute("begin immediate")
            try:
                held = self._held(keys)
                # one call for the whole batch: a statement per record would hand the GIL back
                # and forth with the receiver's event loop for every record (a convoy that
                # measured ~200 ms at p99 under load)
                con.executemany(
                    "insert or ignore into records (source, record_id, received_at, body) "
                    "values (?, ?, ?, ?)",
                    [(r.source, r.record_id, r.received_at, r.body) for r in records],
                )
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
        fresh = []
        for key in keys:  # the first of a key in the batch is new unless the store held it
            fresh.append(key not in held)
            held.add(key)
        return fresh

    def _held(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of ``keys`` the store holds already (called inside the write transaction)."""
        held: set[tuple[str, str]] = set()
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 400):  # two parameters each: under SQLite's limit
            chunk = unique[start : start + 400]
            where = " or ".join(["(source = ? and record_id = ?)"] * len(chunk))
            params = [part for key in chunk for part in key]
            rows = self._con.execute(
                f"select source, record_id from records where {where}", params
            ).fetchall()
            held.update((source, record_id) for source, record_id in rows)
        return held

    def read(self, after: int, limit: int) -> list[Landed]:
        with self._lock:
            rows = self._con.execute(
                "select seq, source, record_id, received_at, body from records "
                "where seq > ? order by seq limit ?",
                (after, limit),
            ).fetchall()
        return [Landed(*row) for row in rows]

    def count(self, source: str | None = None) -> int:
        with self._lock:
            if source is None:
                row = self._con.execute("select count(*) from records").fetchone()
            else:
                row = self._con.execute(
                    "select count(*) from records where source = ?", (source,)
                ).fetchone()
        return int(row[0])

    def close(self) -> None:
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=10)
        with self._lock:
            self._con.close()

    def __enter__(self) -> SqliteLandingStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
