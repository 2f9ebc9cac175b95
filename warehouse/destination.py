"""Which dlt destination holds the warehouse: ``LSW_DESTINATION`` (docs/scale-out.md).

DuckDB (a file, ``LSW_WAREHOUSE``) is the default. Any other name is a dlt destination
(``postgres``, ``motherduck``, ``clickhouse``, ``bigquery``, ``snowflake``, ...) configured the
way dlt configures it: ``destination.<name>.credentials`` in ``.dlt/secrets.toml`` or
``DESTINATION__<NAME>__CREDENTIALS``. lsw adds nothing to that configuration; it only picks
the file format each destination loads fastest and says in one line when it cannot connect.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, cast

import dlt
import pyarrow as pa
from dlt.common.destination import Destination
from dlt.common.destination.reference import AnyDestination

ENV = "LSW_DESTINATION"
DEFAULT = "duckdb"
# What each destination loads fastest (docs/benchmarks.md): DuckDB reads parquet natively,
# PostgreSQL takes csv through COPY (several times faster than INSERT statements).
FORMATS = {"duckdb": "parquet", "motherduck": "parquet", "postgres": "csv"}


class DestinationError(Exception):
    """The configured destination is unknown or cannot be reached; ``str()`` is one line
    that never holds a credential."""


def name() -> str:
    """``LSW_DESTINATION``, else duckdb; an unknown name is one line naming the variable."""
    chosen = (os.environ.get(ENV) or DEFAULT).strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", chosen):
        raise DestinationError(f"{ENV}={chosen!r} is not a dlt destination name")
    return chosen


def is_duckdb() -> bool:
    """Whether the warehouse is the local DuckDB file (lock, published copy, `lsw sql` on it)."""
    return name() == DEFAULT


def reference(warehouse: Path) -> AnyDestination:
    """The dlt destination to load into: the DuckDB file, else the named destination, whose
    configuration (credentials included) dlt resolves itself."""
    chosen = name()
    if chosen == DEFAULT:
        return cast(AnyDestination, dlt.destinations.duckdb(credentials=str(warehouse)))
    try:
        found = Destination.from_reference(chosen)
    except Exception:
        raise DestinationError(
            f"{ENV}={chosen}: dlt has no such destination (duckdb, postgres, motherduck, "
            "clickhouse, bigquery, snowflake, ...)"
        ) from None
    assert found is not None
    return found


def loader_format(destination: AnyDestination) -> Any:
    """The file format for loads into ``destination``: the fastest it takes."""
    kind = destination.destination_type.rsplit(".", 1)[-1]
    if kind in FORMATS:
        return FORMATS[kind]
    supported = destination.capabilities().supported_loader_file_formats
    return "parquet" if "parquet" in supported else None  # None: dlt's own choice


def secrets_of(error: BaseException, *values: str | None) -> str:
    """The error's first line, with every credential value masked."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    for value in values:
        if value:
            text = text.replace(value, "***")
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def check(warehouse: Path) -> None:
    """Connect once to a server destination, so a bad credential is one line before any
    provider fetches; the DuckDB file needs no check."""
    if is_duckdb():
        return
    target = reference(warehouse)
    password = None
    try:
        client = dlt.dataset(target, "marts").sql_client
        password = getattr(client.credentials, "password", None)
        with client:
            client.execute_sql("select 1")
    except Exception as exc:
        raise DestinationError(
            f"destination {name()}: cannot connect: {secrets_of(exc, password)} "
            f"(check destination.{name()}.credentials)"
        ) from None


def nested_as_json(item: Any) -> Any:
    """An arrow batch with its nested columns (structs, maps, lists) as JSON text, for a
    format that has no nested values (csv); any other item as it is. The marts read no
    nested column, so they are the same on every destination."""
    if not isinstance(item, pa.Table | pa.RecordBatch):
        return item
    for index, field in enumerate(item.schema):
        if pa.types.is_nested(field.type):
            values = item.column(index).to_pylist(maps_as_pydicts="strict")
            text = pa.array(
                [None if v is None else json.dumps(v, default=str) for v in values], pa.string()
            )
            item = item.set_column(index, pa.field(field.name, pa.string()), text)
    return item
