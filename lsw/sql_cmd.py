"""`lsw sql`: read-only SQL for people and scripts (docs/contract.md).

The query comes from the argument, ``-f FILE`` or stdin, so a script can pipe a file in;
csv, json and parquet are for other programs, the table for people. Every column is shown,
and rows are cut only by ``--limit``. On DuckDB it opens the published read-only copy when
there is one (warehouse/publish.py), so a long query never delays a load; on another
destination (``LSW_DESTINATION``) the query runs there, through dlt's SQL client, in that
database's SQL.
"""

from __future__ import annotations

import io
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, BinaryIO

import duckdb
import polars as pl
import typer
from dlt.destinations.exceptions import DatabaseException

from lsw.errors import UsageError
from warehouse import destination, paths
from warehouse.db import connect
from warehouse.publish import reader_path
from warehouse.store import DltStore, open_store


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def read_query(query: str | None, file: Path | None, stdin: io.TextIOBase | None) -> str:
    """The query from exactly one of: the argument, a file, stdin (when it is not a terminal)."""
    if query is not None and file is not None:
        raise UsageError("give the query as an argument or with -f FILE, not both")
    if file is not None:
        try:
            text = file.read_text()
        except OSError as exc:
            raise UsageError(f"-f {file}: {exc.strerror or type(exc).__name__}") from None
    elif query is not None:
        text = query
    elif stdin is not None and not stdin.isatty():
        text = stdin.read()
    else:
        text = ""
    if not text.strip():
        raise UsageError("no query: give one as an argument, with -f FILE or on stdin")
    return text


def result_frame(con: duckdb.DuckDBPyConnection, query: str, limit: int | None) -> pl.DataFrame:
    """The query's rows (the last statement's, as DuckDB runs a script); an empty frame when
    it returns none. A query DuckDB refuses is the user's to fix: one line, exit 2."""
    try:
        relation = con.sql(query)
        if relation is None:
            return pl.DataFrame()
        if limit is not None:
            relation = relation.limit(limit)
        return relation.pl()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"sql: {first}") from None


def destination_frame(target: Path, query: str, limit: int | None) -> pl.DataFrame:
    """The query run on the configured (non-DuckDB) destination; one line when it refuses."""
    with open_store(target, read_only=True) as store:
        assert isinstance(store, DltStore)
        try:
            return store.query(query, limit)
        except DatabaseException as exc:
            cause = exc.__cause__ or exc
            lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
            raise UsageError(f"sql: {lines[0] if lines else type(cause).__name__}") from None


def render_table(frame: pl.DataFrame) -> str:
    """Every row and column, untruncated: polars' table layout without its limits."""
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        fmt_str_lengths=10_000,
        tbl_width_chars=65_535,  # polars' maximum
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        fmt_float="full",
    ):
        return str(frame) + "\n"


def write(frame: pl.DataFrame, fmt: Format, out: BinaryIO) -> None:
    """Write the frame to a binary stream in the chosen format."""
    if fmt is Format.table:
        out.write(render_table(frame).encode())
    elif fmt is Format.csv:
        frame.write_csv(out)
    elif fmt is Format.json:
        out.write(frame.write_json().encode() + b"\n")
    else:
        frame.write_parquet(out)


def sql(
    query: Annotated[
        str | None, typer.Argument(help="the query (else -f FILE, else stdin)")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="read the query from this file")
    ] = None,
    format: Annotated[Format, typer.Option("--format", help="output format")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here, not stdout")] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="at most this many rows")] = None,
    warehouse: Annotated[
        str | None,
        typer.Option(
            "--warehouse", help="DuckDB file (else LSW_WAREHOUSE, else data/warehouse.duckdb)"
        ),
    ] = None,
) -> None:
    """Run read-only SQL on the warehouse (its published read-only copy when there is one)."""
    text = read_query(query, file, sys.stdin)  # type: ignore[arg-type]
    if format is Format.parquet and out is None and sys.stdout.isatty():
        raise UsageError("--format parquet writes binary: give --out PATH or pipe the output")
    target = paths.warehouse_path(warehouse)
    if not destination.is_duckdb():
        frame = destination_frame(target, text, limit)
    elif not target.is_file():
        raise UsageError(f"no warehouse at {target}: load one with `lsw run` or `lsw demo`")
    else:
        with connect(reader_path(target), read_only=True) as con:
            frame = result_frame(con, text, limit)
    if out is None:
        write(frame, format, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as stream:
        write(frame, format, stream)
