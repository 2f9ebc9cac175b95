"""DuckDB access: connections opened late and closed early, one writer at a time.

DuckDB lets one process write a file at a time. Writers take lsw's writer lock and then wait
(with backoff) for a lock a reader may hold instead of failing; readers open read-only and
never block a scheduled run for longer than their query.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
from polars.io.plugins import register_io_source

from warehouse.locks import OPEN_WAIT_S, while_locked, writer_lock

log = logging.getLogger("lsw.warehouse")
WAITING = "waiting for the warehouse (held by another process)"
SAY_AGAIN_AFTER_S = 60.0  # a run waits at several steps (load, marts): one note a minute is enough

_said_at: list[float] = []
_said_lock = threading.Lock()


def say_waiting() -> None:
    """Tell the user why nothing moves: once, then again only if a minute has passed."""
    with _said_lock:
        now = time.monotonic()
        if _said_at and now - _said_at[0] < SAY_AGAIN_AFTER_S:
            return
        _said_at[:] = [now]
    log.warning(WAITING)


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    return while_locked(
        lambda: duckdb.connect(str(path), read_only=read_only), max_wait_s=OPEN_WAIT_S
    )


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for the block; a writing one holds lsw's writer lock while it is open."""
    if read_only:
        con = _open(path, read_only=True)
        try:
            yield con
        finally:
            con.close()
        return
    with writer_lock(path, on_wait=say_waiting):
        con = _open(path, read_only=False)
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


def scan_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> pl.LazyFrame:
    """A lazy frame of a query, read when collected, with only the columns the plan uses.

    Polars hands the source the columns its plan needs (projection pushdown), so a staging
    model that reads eight of a table's thirty columns reads eight out of DuckDB, in batches.
    Each collect runs the query again, on its own cursor: collect while ``con`` is open.
    """
    schema = pl.Schema(con.sql(f"select * from ({sql}) limit 0", params=params or None).pl().schema)

    def source(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        columns = list(schema) if with_columns is None else with_columns
        selected = ", ".join(f'"{c}"' for c in columns) if columns else "1 as _one"
        limit = "" if n_rows is None else f" limit {int(n_rows)}"
        cursor = con.cursor()
        try:
            query = cursor.sql(f"select {selected} from ({sql}){limit}", params=params or None)
            reader = query.to_arrow_reader(batch_size or 1_000_000)
            for batch in reader:
                frame = pl.DataFrame(pl.from_arrow(batch)).select(columns)
                yield frame if predicate is None else frame.filter(predicate)
        finally:
            cursor.close()

    return register_io_source(source, schema=schema)


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    where: str,
    params: list[object],
) -> None:
    """Delete the rows ``where`` selects and insert ``frame``, inside the caller's open
    transaction, which commits it (with others: a window's marts change together) or rolls
    it back.

    This is what makes re-building a partition idempotent: the partition's rows are
    replaced, never appended to.
    """
    schema = table.split(".")[0]
    run(con, f"create schema if not exists {schema}")
    # plain (not view) strings: DuckDB takes them in a third less time; and in one piece: a
    # model's output in many (89 for a quarter's products) took 1.1-1.5 s instead of 0.75 s
    incoming = frame.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())
    with registered(con, "_incoming", incoming):
        run(con, f"create table if not exists {table} as select * from _incoming limit 0")
        run(con, f"delete from {table} where {where}", params)
        run(con, f"insert into {table} by name select * from _incoming")


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` as the view ``name`` for the block.

    Inside a transaction a failed statement aborted, unregistering fails too, and its error
    would replace the one that says what went wrong: it is dropped (the view goes with the
    connection, or the next registration of the name replaces it).
    """
    con.register(name, table)
    try:
        yield
    finally:
        with suppress(duckdb.Error):
            con.unregister(name)
