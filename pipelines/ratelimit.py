"""Keeping under a provider's published rate limit, however many processes share it.

A limit such as Trovo's 1200 requests a minute belongs to the client id, not to one process:
a scheduled snapshot, a backfill started from the CLI and a second machine's run all draw on
it. Three nets keep requests under it:

- ``ClientLimit``: a sliding-window count of our own requests (pyrate-limiter). With a
  ``shared_key`` the count lives in SQLite under the state directory
  (``$LSW_STATE_DIR/ratelimit.sqlite``, one table per key, a file lock around each take), so
  every process on the machine that uses the same provider and client id shares one
  count; with ``LSW_STATE_URL`` it lives in PostgreSQL instead (pyrate-limiter's
  ``PostgresBucket``: a table per key, locked around each take, timed by the server's
  clock), so every process on every machine shares it. The window is counted ``slack_s``
  longer than the provider's, because the provider counts arrivals and requests do not all
  take equally long to arrive.
- ``QuotaWatch``: the provider's own ``x-ratelimit-*`` headers (any case). When they say the
  quota left is no more than what is already in flight, and the provider counts more
  requests than our own count let through, nothing more is sent until the reset: that
  covers other users of the same client id we cannot count (another app, or a machine
  without the shared state database).
- a refusal for the rate limit (HTTP 429, or a provider's own code such as Trovo's 11706) is
  waited out until the reset the headers name, holding every thread of the client; the
  request is then sent again (``pipelines/http.py``).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout
from pyrate_limiter import (
    Duration,
    InMemoryBucket,
    Limiter,
    PostgresBucket,
    Rate,
    RateItem,
    SQLiteBucket,
)
from pyrate_limiter.abstracts.algorithm import ADMITTED

from pipelines.errors import ProviderError
from pipelines.statedb import (
    CONNECT_TIMEOUT_S,
    cause,
    connect,
    conninfo,
    redacted,
    state_url,
)

log = logging.getLogger("lsw.ratelimit")

STATE_FILE = "ratelimit.sqlite"
NOW_MS = "select (extract(epoch from clock_timestamp()) * 1000)::bigint"
POOL_SIZE = 2  # a process takes one slot at a time (the limiter's lock); one more for counting
EPOCH_THRESHOLD = 1_000_000_000  # a reset above this is a unix time, below it seconds to wait


def limit_key(provider: str, *identity: str | None) -> str:
    """The name of one shared count: the provider and what its limit belongs to (a client
    id, an API key). Identity values are hashed, so a key names no credential."""
    digest = hashlib.sha256(json.dumps(list(identity)).encode()).hexdigest()[:16]
    return f"{provider}_{digest}"


class ServerTimedBucket(PostgresBucket):
    """pyrate-limiter's PostgreSQL bucket, taking its turn in a queue and recording each
    request at the server's time of its admission.

    The library's take locks the count's table with NOWAIT: a worker that finds another's
    take under way is refused at once and polls again, and with many workers on few cores
    the polling itself delays the worker that was admitted. It also records the time the
    limiter stamped before the take (a retry carries its first stamp plus the wait it
    planned), so a worker slower than planned records its request as sent earlier than it
    was, and the request leaves every other worker's window early. Here a take waits its turn
    for the lock (in the server, costing nothing), then reads the server's clock, counts and
    records under it; the rest is the library's (its algorithm decides, its SQL counts).
    """

    def put(self, item: RateItem) -> bool:
        if item.weight == 0:
            return self._record(item, ADMITTED)
        with self._get_conn() as con:
            con.execute(
                sql.SQL("lock table {} in exclusive mode").format(
                    sql.Identifier(f"ratelimit___{self.table}")
                )
            )
            now = con.execute(NOW_MS).fetchone()
            assert now is not None
            item.timestamp = int(now[0])
            starts = [self._algorithm.window_start(r, item.timestamp) / 1000 for r in self.rates]
            counts = con.execute(self._q_count_windows, starts).fetchone()

            def peek_timestamp(offset: int) -> int | None:
                row = con.execute(self._q_peek, (offset,)).fetchone()
                return None if row is None else int(row[2])

            decision = self._algorithm.decide(
                self.rates, counts, item.weight, item.timestamp, peek_timestamp
            )
            if not self._record(item, decision):
                return False
            con.execute(self._q_put, (item.name, item.weight, item.timestamp / 1000, item.weight))
        return True

    def leak(self, current_timestamp: int | None = None) -> int:
        """Drop requests older than the window; nothing once closed (the limiter's leak
        thread may be half-way through a round when the client closes)."""
        try:
            leaked = super().leak(current_timestamp)
        except PoolClosed:
            return 0
        assert isinstance(leaked, int)
        return leaked


def _postgres_bucket(url: str, key: str, rate: Rate) -> ServerTimedBucket:
    """The shared count in the state database. One that cannot be reached is the provider's
    failure, in one line (tried once first: the pool would retry in the background, logging
    each failure)."""
    provider = key.rsplit("_", 1)[0]  # limit_key: "<provider>_<digest>"
    where = f"shared rate limit {redacted(url)}"
    try:
        connect(url, "ratelimit").close()
    except psycopg.Error as error:
        raise ProviderError(provider, where, f"cannot be reached: {cause(error)}") from None
    pool = ConnectionPool(
        conninfo(url, "ratelimit"),
        min_size=1,
        max_size=POOL_SIZE,
        timeout=CONNECT_TIMEOUT_S,
        open=True,
    )
    try:
        return ServerTimedBucket(pool, key, [rate])
    except (psycopg.Error, PoolTimeout) as error:
        pool.close()
        raise ProviderError(provider, where, f"cannot be used: {cause(error)}") from None


def state_file() -> Path:
    """Where shared counts live: beside the token store, under the state directory."""
    from warehouse.paths import state_dir

    return state_dir() / STATE_FILE


class ClientLimit:
    """Our side of a provider's limit: a slot taken before each request, and how many were
    taken lately (by every process, for a shared count).

    At most ``limit`` requests in any ``window_s + slack_s`` seconds. ``shared_key`` None
    counts this client's requests only (in memory); a key counts every process's requests
    under that key: in the state database when ``LSW_STATE_URL`` is set (every machine's),
    else in the state directory's SQLite file (this machine's).
    """

    def __init__(
        self, limit: int, window_s: float, slack_s: float = 0.0, shared_key: str | None = None
    ) -> None:
        self.limit = limit
        self.window_s = window_s + slack_s
        rate = Rate(limit, max(1, round(self.window_s * Duration.SECOND)))
        self._reader: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        url = state_url() if shared_key is not None else None
        self._bucket: InMemoryBucket | SQLiteBucket | PostgresBucket
        if shared_key is None:
            self._bucket = InMemoryBucket([rate])
        elif url is not None:
            self._bucket = _postgres_bucket(url, shared_key, rate)
        else:
            path = state_file()
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._bucket = SQLiteBucket.init_from_file(
                [rate], table=shared_key, db_path=str(path), use_file_lock=True
            )
            # a connection of our own to count with: the bucket's is the limiter's
            self._reader = sqlite3.connect(path, check_same_thread=False)
        self._limiter = Limiter(self._bucket)

    def take(self, name: str) -> None:
        """Block until a request may go."""
        self._limiter.try_acquire(name)

    def taken(self) -> int:
        """Requests let through in the last window (every process's, for a shared count)."""
        since = int(self._bucket.now()) - round(self.window_s * Duration.SECOND)
        if isinstance(self._bucket, InMemoryBucket):
            stamps = [item.timestamp for item in list(self._bucket.items)]
            return len(stamps) - bisect.bisect_left(stamps, since)
        if isinstance(self._bucket, PostgresBucket):
            query = sql.SQL(
                "select count(*) from {} where item_timestamp >= to_timestamp(%s)"
            ).format(sql.Identifier(f"ratelimit___{self._bucket.table}"))
            with self._bucket.pool.connection() as con:
                found = con.execute(query, (since / 1000,)).fetchone()
            assert found is not None
            return int(found[0])
        assert self._reader is not None
        with self._lock:
            row = self._reader.execute(
                f"select count(*) from '{self._bucket.table}' where item_timestamp >= ?",
                (since,),
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        self._limiter.close()
        if self._reader is not None:
            self._reader.close()


def client_limit(
    limit: int | None, window_s: float, slack_s: float = 0.0, shared_key: str | None = None
) -> ClientLimit | None:
    """The client's own limit; None without one."""
    return None if limit is None else ClientLimit(limit, window_s, slack_s, shared_key)


@dataclass(frozen=True)
class RateHeaders:
    """What a provider's ``x-ratelimit-*`` headers said (None where a header was absent)."""

    limit: int | None
    remaining: int | None
    reset_at: float | None  # unix seconds

    @classmethod
    def read(cls, headers: Mapping[str, str], now: float | None = None) -> RateHeaders | None:
        """The headers of one answer, None when it carries none. ``headers`` must look names
        up without regard to case (httpx's do); values are read whether integers or not."""
        limit = _number(headers.get("x-ratelimit-limit"))
        remaining = _number(headers.get("x-ratelimit-remaining"))
        reset = _number(headers.get("x-ratelimit-reset"))
        if limit is None and remaining is None and reset is None:
            return None
        if reset is not None and reset < EPOCH_THRESHOLD:  # delta-seconds form
            reset = (time.time() if now is None else now) + reset
        return cls(
            None if limit is None else int(limit),
            None if remaining is None else int(remaining),
            reset,
        )


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


class QuotaWatch:
    """What the provider says is left of its quota, and a hold every thread of a client obeys.

    ``observe`` reads each answer's headers: when the quota left is no more than the other
    requests already in flight (they will use it), requests wait until the reset. ``hold``
    is for a refusal: nothing is sent until then. Waits use the wall clock, as the
    provider's reset is a unix time.
    """

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self._lock = threading.Lock()
        self._until = 0.0
        self.holds = 0  # how often the headers or a refusal made us wait

    def observe(
        self,
        headers: Mapping[str, str],
        in_flight_others: int = 0,
        ours: int = 0,
        our_limit: int | None = None,
    ) -> None:
        """Read one answer's headers.

        ``ours`` is how many requests our own limit (``our_limit`` a window) let through in
        its window. When that limit is no higher than the provider's and the provider counts
        no more requests than ours, the quota is ours alone and our count already paces it:
        holding until the headers' reset, in whole seconds, would only add a wait.
        """
        seen = RateHeaders.read(headers)
        if seen is None or seen.remaining is None or seen.reset_at is None:
            return
        if seen.remaining > in_flight_others:
            return
        if (
            seen.limit is not None
            and our_limit is not None
            and our_limit <= seen.limit
            and seen.limit - seen.remaining <= ours
        ):
            return
        self.hold(seen.reset_at, f"{seen.remaining} requests left of the quota")

    def hold(self, until: float, why: str) -> None:
        with self._lock:
            if until <= self._until or until <= time.time():
                return
            self._until = until
            self.holds += 1
        log.info("%s: %s; pausing %.1f s until the reset", self.provider, why, until - time.time())

    def wait(self) -> None:
        """Sleep while a hold lasts (re-read: a later answer may extend it)."""
        while True:
            with self._lock:
                left = self._until - time.time()
            if left <= 0:
                return
            time.sleep(left)
