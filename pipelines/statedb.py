"""The shared state database: ``LSW_STATE_URL`` (docs/scale-out.md, "Shared state").

Unset, the token store, the live landing store and the shared rate-limit counts are files on
this machine (the token directory, the state directory). Set to a ``postgresql://`` URL, all
three live in that database instead, so workers on several machines share them: one Shopee
refresh at a time per account, one copy of each caught record, one count per rate limit.

Every connection is opened here, the same way: the session's time zone is UTC (the rate-limit
bucket stores naive timestamps, and two machines must read them alike), TCP keepalives are on
at both ends (a machine that vanishes releases its locks within about a minute, not after the
kernel's two hours) and the URL's password never appears in a message.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import make_conninfo

from pipelines.errors import ConfigError

ENV = "LSW_STATE_URL"
SCHEMA = "lsw_state"  # the token store's and the landing store's tables
DDL_LOCK = 0x6C7377_737461  # serialises the first creation of the tables ("lsw", "sta")
SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_S = 10

# Every connection: UTC, and TCP keepalives on both ends, so that a dead peer is noticed in
# about a minute (by libpq here, and by the server through the session's own settings: a
# machine that vanishes while holding an account's lock releases it then, not in 2 hours)
SERVER_KEEPALIVES = (
    "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3"
)
OPTIONS: dict[str, str | int] = {
    "connect_timeout": CONNECT_TIMEOUT_S,
    "options": f"-c TimeZone=UTC {SERVER_KEEPALIVES}",
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


class StateUrlError(ConfigError, ValueError):
    """``LSW_STATE_URL`` is set but is not a PostgreSQL URL (one line, no password)."""


class StateDbError(RuntimeError):
    """The state database cannot be used: one line naming what (a table and the URL, its
    password masked) and why."""


def state_url() -> str | None:
    """``LSW_STATE_URL`` when set (checked), else None: state stays in local files."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        return None
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in SCHEMES:
        raise StateUrlError(
            f"{ENV}: {redacted(url)!r} is not a PostgreSQL URL "
            "(expected postgresql://user@host:5432/database)"
        )
    return url


def redacted(url: str) -> str:
    """``url`` without its password, for messages: ``postgresql://lsw:***@db:5432/state``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def conninfo(url: str, application: str) -> str:
    """The libpq connection string for ``url`` with this module's options added."""
    return make_conninfo(url, application_name=f"lsw {application}", **OPTIONS)


def connect(url: str, application: str) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection: each statement is durable when it returns (the server's
    default ``synchronous_commit = on``), and nothing waits on an open transaction."""
    return psycopg.connect(conninfo(url, application), autocommit=True)


def cause(error: BaseException) -> str:
    """A one-line cause for a database error: its first line, never the URL's password."""
    text = str(error).strip().splitlines()
    first = text[0] if text else type(error).__name__
    return first.rstrip(".")


def create_once(con: psycopg.Connection[tuple[object, ...]], table: str, ddl: str) -> None:
    """Create ``lsw_state`` and ``table`` with ``ddl`` unless it exists, one process at a time
    (concurrent ``create ... if not exists`` can collide). The schema and the table are the
    creating role's alone: nothing is granted to anyone else."""
    with con.transaction():
        con.execute("select pg_advisory_xact_lock(%s)", (DDL_LOCK,))
        if con.execute("select to_regclass(%s)", (table,)).fetchone() == (None,):
            con.execute(f"create schema if not exists {SCHEMA}")
            con.execute(f"revoke all on schema {SCHEMA} from public")
            con.execute(ddl)
            con.execute(f"revoke all on {table} from public")
