"""A throwaway PostgreSQL server in a temporary folder, for tests and benchmarks.

The scale-out features (a PostgreSQL-backed Dagster instance, a PostgreSQL warehouse, shared
state) are tested against a real server, never a mock: PostgreSQL's own server binaries
(``initdb``, ``pg_ctl``) start a cluster on a free loopback port in well under a second with
fsync off. ``.ci/run`` installs Debian's ``postgresql`` package where the binaries are missing.

initdb refuses to run as root, so as root the cluster is created and run as the ``postgres``
system user (Debian's package creates it).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

USER = "lsw"


def server_bin(name: str) -> str:
    """The path of a server binary: Debian keeps them off PATH, under /usr/lib/postgresql."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(
            f"PostgreSQL's {name} not found: install the server (Debian: apt-get install postgresql)"
        )
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@dataclass(frozen=True)
class Cluster:
    """A running server: ``dsn(db)`` is a URL for a database on it."""

    port: int
    folder: Path

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL. One per test keeps tests independent."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        con = psycopg2.connect(self.dsn())
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'create database "{name}"')
        finally:
            con.close()
        return self.dsn(name)


@contextmanager
def cluster(folder: Path) -> Iterator[Cluster]:
    """Start a cluster under ``folder`` and stop it (immediately) on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    initdb = [server_bin("initdb"), "-D", str(data), "-A", "trust", "-U", USER, "--no-sync"]
    subprocess.run(
        _as_server_user([*initdb, "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    pg_ctl = server_bin("pg_ctl")
    log = folder / "server.log"
    subprocess.run(
        _as_server_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield Cluster(port=port, folder=folder)
    finally:
        subprocess.run(
            _as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
