"""The marts' reads and writes, the same on every destination (docs/scale-out.md).

The marts ask a ``Store`` for rows and hand it frames; the Polars models never know where
the warehouse is. ``DuckStore`` is the default DuckDB file through its own connection: lazy
scans with projection pushdown and one-transaction replaces (the fast path the benchmarks
measure). ``DltStore`` is any other dlt destination: reads through dlt's dataset interface
(its SQL client, results as arrow typed by dlt's schema of the table), writes through a dlt
load of the frames as arrow after deleting exactly the rows they replace.

SQL handed to a store is portable: ``?`` placeholders, no DuckDB-only syntax.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol

import dlt
import duckdb
import polars as pl
import pyarrow as pa
from dlt.common.destination.reference import AnyDestination

from warehouse import db, destination

KEY_CHUNK = 500  # key tuples per delete statement


class Store(Protocol):
    """Where the marts read their inputs and write their rows."""

    def run(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Execute ``sql``; the rows it returns (none for a statement without a result)."""
        ...

    def table_exists(self, schema: str, table: str) -> bool: ...

    def columns(self, schema: str, table: str) -> list[str]:
        """The table's column names, in their order."""
        ...

    def frame(
        self, sql: str, params: Sequence[object] = (), like: tuple[str, str] | None = None
    ) -> pl.LazyFrame:
        """The query's rows; ``like`` names the table whose columns (and types) it returns."""
        ...

    def read(self, sql: str, params: Sequence[object] = ()) -> pl.DataFrame:
        """The query's rows, read now, in the query's order."""
        ...

    def read_keyed(
        self, sql: str, params: Sequence[object], column: str, keys: pl.Series
    ) -> pl.DataFrame:
        """The rows of ``sql`` (a select whose where clause ends the statement) whose
        ``column`` is one of ``keys``, read now."""
        ...

    def replace_rows(
        self,
        table: str,
        frame: pl.DataFrame,
        where: str,
        params: Sequence[object] = (),
        keys: pl.DataFrame | None = None,
    ) -> None:
        """Rows ``where`` selects (or whose ``keys`` columns match a row of ``keys``) are
        replaced by ``frame``: re-running a window changes nothing."""
        ...

    def commit(self) -> None:
        """Make the replaced rows visible (a no-op where each replace is already)."""
        ...

    def deferring_upkeep(self) -> AbstractContextManager[None]:
        """A block of many commits (a long window rebuilt in parts): the destination may put
        its own upkeep off until the block ends."""
        ...


class DuckStore:
    """The DuckDB file, through one connection (warehouse/db.py).

    Replaces gather in one transaction until ``commit``: a window's marts change together
    (a reader never sees its sessions rebuilt and its products not yet), a failed rebuild
    leaves them as they were, and DuckDB checkpoints once per window instead of once per
    table. Every read sees the uncommitted rows: ``frame`` scans lazily on a cursor of its
    own, which sees committed rows only, so while rows are pending it reads at once instead.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.pending = False  # a transaction holds replaced rows not yet committed

    def run(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return db.run(self.con, sql, list(params))

    def table_exists(self, schema: str, table: str) -> bool:
        return db.table_exists(self.con, schema, table)

    def columns(self, schema: str, table: str) -> list[str]:
        return [name for (name,) in self.run(COLUMNS_SQL, [schema, table])]

    def frame(
        self, sql: str, params: Sequence[object] = (), like: tuple[str, str] | None = None
    ) -> pl.LazyFrame:
        if self.pending:
            return db.read_frame(self.con, sql, list(params))
        return db.scan_frame(self.con, sql, list(params))

    def read(self, sql: str, params: Sequence[object] = ()) -> pl.DataFrame:
        return self.con.sql(sql, params=list(params) or None).pl()

    def read_keyed(
        self, sql: str, params: Sequence[object], column: str, keys: pl.Series
    ) -> pl.DataFrame:
        # one query joined to the keys as a table: a list of 500 per query took 47 ms each
        # (24 s of a quarter's rebuild at a million sessions a year); handed over as Arrow,
        # not as a Python list (0.3 s of a million ids)
        with db.registered(self.con, "_wanted", _arrow(keys.rename("key").to_frame())):
            return self.read(f'{sql} and "{column}" in (select key from _wanted)', params)

    def replace_rows(
        self,
        table: str,
        frame: pl.DataFrame,
        where: str,
        params: Sequence[object] = (),
        keys: pl.DataFrame | None = None,
    ) -> None:
        if not self.pending:
            db.run(self.con, "begin transaction")
            self.pending = True
        try:
            self._replace(table, frame, where, list(params), keys)
        except Exception:
            self.pending = False
            db.run(self.con, "rollback")
            raise

    def _replace(
        self,
        table: str,
        frame: pl.DataFrame,
        where: str,
        params: list[object],
        keys: pl.DataFrame | None,
    ) -> None:
        if keys is None:
            db.replace_rows(self.con, table, frame, where, params)
            return
        columns = ", ".join(f'"{c}"' for c in keys.columns)
        with db.registered(self.con, "_keys", _arrow(keys)):
            matched = f"({columns}) in (select {columns} from _keys)"
            db.replace_rows(self.con, table, frame, f"({where}) or {matched}", params)

    def commit(self) -> None:
        if self.pending:
            self.pending = False
            db.run(self.con, "commit")

    @contextmanager
    def deferring_upkeep(self) -> Iterator[None]:
        # DuckDB checkpoints at a commit whose log passed the threshold, as a quarter's
        # replaced products did: 0.4-0.5 s each, 1.4-1.7 s of a year's 4 parts at 10M
        # product rows, against 0.5 s for one at the end; the first commit after the block
        # (or the close) checkpoints once
        ((threshold,),) = db.run(self.con, "select current_setting('checkpoint_threshold')")
        db.run(self.con, "set checkpoint_threshold = '1TB'")
        try:
            yield
        finally:
            db.run(self.con, f"set checkpoint_threshold = '{threshold}'")


COLUMNS_SQL = (
    "select column_name from information_schema.columns "
    "where table_schema = ? and table_name = ? order by ordinal_position"
)
EXISTS_SQL = "select 1 from information_schema.tables where table_schema = ? and table_name = ?"


def _placeholders(sql: str, params: Sequence[object]) -> str:
    """``?`` placeholders as dlt's SQL clients take them (``%s``; a literal % doubled)."""
    if not params:
        return sql
    return sql.replace("%", "%%").replace("?", "%s")


def _arrow(frame: pl.DataFrame) -> pa.Table:
    return frame.to_arrow(compat_level=pl.CompatLevel.oldest())


class DltStore:
    """Any dlt destination: reads through dlt's dataset interface, writes through dlt loads.

    ``pipeline`` makes the dlt pipeline that loads the marts' dataset. A replace deletes
    its rows at once and loads the frame on ``commit``, all of a window's marts in one load.
    """

    def __init__(self, target: AnyDestination, pipeline: Callable[[str], dlt.Pipeline]) -> None:
        self.target = target
        self.pipeline = pipeline
        self.dataset = dlt.dataset(target, "marts")
        self.client = self.dataset.sql_client
        self.pending: dict[str, pl.DataFrame] = {}
        self._schemas: dict[str, Any] = {}

    @contextmanager
    def opened(self) -> Iterator[DltStore]:
        with self.client:
            try:
                yield self
            finally:
                self.pending.clear()

    def run(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        found = self.client.execute_sql(_placeholders(sql, params), *params)
        return [tuple(row) for row in found or []]

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(self.run(EXISTS_SQL, [schema, table]))

    def columns(self, schema: str, table: str) -> list[str]:
        return [name for (name,) in self.run(COLUMNS_SQL, [schema, table])]

    def _table_columns(self, schema: str, table: str) -> Any:
        """dlt's schema of ``schema.table`` as loaded (from the dataset's stored schema)."""
        if schema not in self._schemas:
            self._schemas[schema] = dlt.dataset(self.target, schema).schema
        try:
            return self._schemas[schema].get_table_columns(table)
        except KeyError:
            return None

    def frame(
        self, sql: str, params: Sequence[object] = (), like: tuple[str, str] | None = None
    ) -> pl.LazyFrame:
        with self.client.execute_query(_placeholders(sql, params), *params) as cursor:
            if like is not None:
                typed = self._table_columns(*like)
                if typed:
                    cursor.columns_schema = typed
            try:
                table = cursor.arrow()
            except AttributeError:  # dlt 1.31's DuckDB client on DuckDB 2 (no fetch_arrow_table)
                native: Any = cursor.native_cursor
                table = native.to_arrow_table()
        frame = pl.from_arrow(table) if table is not None else pl.DataFrame()
        assert isinstance(frame, pl.DataFrame)
        return frame.lazy()

    def read(self, sql: str, params: Sequence[object] = ()) -> pl.DataFrame:
        return self.frame(sql, params).collect()

    def read_keyed(
        self, sql: str, params: Sequence[object], column: str, keys: pl.Series
    ) -> pl.DataFrame:
        found = []
        for at in range(0, len(keys), KEY_CHUNK):
            chunk = keys.slice(at, KEY_CHUNK).to_list()
            marks = ", ".join("?" for _ in chunk)
            rows = self.read(f'{sql} and "{column}" in ({marks})', [*params, *chunk])
            if rows.height:  # an empty answer may come untyped (PostgreSQL)
                found.append(rows)
        return pl.concat(found) if found else pl.DataFrame()

    def query(self, sql: str, limit: int | None = None) -> pl.DataFrame:
        """A user's query (``lsw sql``), read-only where the destination can say so
        (PostgreSQL); the rows of its last statement, at most ``limit``."""
        if self.target.destination_type.endswith(".postgres"):
            self.client.execute_sql("set default_transaction_read_only = on")
        with self.client.execute_query(sql) as cursor:
            names = [c[0] for c in cursor.native_cursor.description or []]
            if not names or limit == 0:
                return pl.DataFrame(schema=dict.fromkeys(names, pl.String))
            table = cursor.arrow(chunk_size=limit) if limit else cursor.arrow()
        frame = pl.from_arrow(table) if table is not None else pl.DataFrame()
        assert isinstance(frame, pl.DataFrame)
        return frame

    def replace_rows(
        self,
        table: str,
        frame: pl.DataFrame,
        where: str,
        params: Sequence[object] = (),
        keys: pl.DataFrame | None = None,
    ) -> None:
        schema, name = table.split(".")
        if self.table_exists(schema, name):
            self.run(f"delete from {table} where {where}", params)
            if keys is not None:
                self._delete_keys(table, keys)
        # a second replace of the table before the commit (another set of days) adds its rows
        earlier = self.pending.get(name)
        self.pending[name] = (
            frame if earlier is None else pl.concat([earlier, frame], how="vertical_relaxed")
        )

    def _delete_keys(self, table: str, keys: pl.DataFrame) -> None:
        columns = ", ".join(f'"{c}"' for c in keys.columns)
        one = "(" + ", ".join("?" for _ in keys.columns) + ")"
        rows = keys.unique().rows()
        for at in range(0, len(rows), KEY_CHUNK):
            chunk = rows[at : at + KEY_CHUNK]
            values = ", ".join(one for _ in chunk)
            params = [value for row in chunk for value in row]
            self.run(f"delete from {table} where ({columns}) in ({values})", params)

    def commit(self) -> None:
        """Load every pending frame in one dlt load (naive timestamps stay naive)."""
        if not self.pending:
            return
        resources = [
            dlt.resource(
                _arrow(frame),
                name=name,
                write_disposition="append",
                columns={
                    column: {"timezone": False}
                    for column, dtype in frame.schema.items()
                    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None
                },
            )
            for name, frame in self.pending.items()
        ]
        pipeline = self.pipeline("marts")
        pipeline.run(resources, loader_file_format=destination.loader_format(self.target))
        self.pending.clear()

    def deferring_upkeep(self) -> AbstractContextManager[None]:
        return nullcontext()


@contextmanager
def open_store(
    warehouse: Path,
    pipeline: Callable[[str], dlt.Pipeline] | None = None,
    read_only: bool = False,
) -> Iterator[Store]:
    """The warehouse's store for the block: the DuckDB file (under the writer lock unless
    ``read_only``), else the configured destination. ``pipeline`` loads the marts elsewhere."""
    if destination.is_duckdb():
        with db.connect(warehouse, read_only=read_only) as con:
            duck = DuckStore(con)
            yield duck
            duck.commit()  # a block that raised leaves its replaces uncommitted: rolled back
        return
    target = destination.reference(warehouse)

    def unusable(_: str) -> dlt.Pipeline:
        raise RuntimeError("this store reads only")

    store = DltStore(target, pipeline or unusable)
    with store.opened():
        yield store
        store.commit()
