"""DuckDB access: connections opened late and closed early, one writer at a time.

DuckDB lets one process write a file at a time. Writers wait (with backoff) for a lock held
by someone else instead of failing; readers open read-only and never block a scheduled run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential_jitter


def lock_conflict(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it, however deeply wrapped) is another process's lock."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        text = str(exc).lower()
        if "conflicting lock" in text or "could not set lock" in text:
            return True
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "exception", None)
    return False


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and lock_conflict(exc)


@retry(
    retry=retry_if_exception(_locked),
    wait=wait_exponential_jitter(multiplier=0.2, max=5),
    stop=stop_after_delay(120),
    reraise=True,
)
def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=read_only)


def wait_for_writer_slot(path: Path) -> None:
    """Block (up to two minutes) until no other process holds the warehouse file."""
    with connect(path):
        pass


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _open(path, read_only)
    try:
        yield con
    finally:
        con.close()


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[Any]:
    """Execute and drain: DuckDB refuses new work while a result is left half read."""
    return con.execute(sql, params or []).fetchall()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = run(
        con,
        "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    )
    return bool(found)


def read_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> pl.LazyFrame:
    table = con.sql(sql, params=params or None).to_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.lazy()


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    where: str,
    params: list[object],
) -> None:
    """Delete the rows ``where`` selects and insert ``frame``, in one transaction.

    This is what makes re-building a partition idempotent: the partition's rows are
    replaced, never appended to.
    """
    schema = table.split(".")[0]
    run(con, f"create schema if not exists {schema}")
    con.register("_incoming", frame.to_arrow())
    try:
        run(con, f"create table if not exists {table} as select * from _incoming limit 0")
        run(con, "begin transaction")
        run(con, f"delete from {table} where {where}", params)
        run(con, f"insert into {table} by name select * from _incoming")
        run(con, "commit")
    except Exception:
        run(con, "rollback")
        raise
    finally:
        con.unregister("_incoming")
