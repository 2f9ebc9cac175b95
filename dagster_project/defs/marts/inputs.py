"""The marts' inputs: every registered provider's raw tables of a window, staged."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl
from dagster import AssetKey

from models.staging.staged import Staged
from pipelines.figures import INCOMPLETE_SUFFIX
from pipelines.registry import SPECS
from pipelines.spec import RawTable
from warehouse.db import read_frame, table_exists

RAW_KEYS = [
    AssetKey([spec.name, name])
    for spec in SPECS.values()
    for name in (*spec.resources, *spec.snapshot_resources)
    if name in {table.name for table in spec.raw_tables}
]


def staged_window(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> list[Staged]:
    """Each provider with data: its raw tables of [start, end), through its staging model.

    A provider whose first (primary) raw table does not exist yet has never been loaded and
    is left out; its other tables may be missing (a run that found no products creates no
    products table), and the staging model treats a missing one as empty.
    """
    staged = []
    for spec in SPECS.values():
        present = [t for t in spec.raw_tables if table_exists(con, spec.name, t.name)]
        if not present or present[0] != spec.raw_tables[0]:
            continue
        frames = {table.name: _read(con, spec.name, table, start, end) for table in present}
        staged.append(spec.stage(frames))
    return staged


def _read(
    con: duckdb.DuckDBPyConnection, schema: str, table: RawTable, start: datetime, end: datetime
) -> pl.LazyFrame:
    """The window's rows, plus records kept aside for a missing figure where the table holds
    no complete record of the same key (pipelines/figures.py)."""
    where, params = table.window(start, end)
    main = f'{schema}."{table.name}"'
    sql = f"select * from {main} where {where}"
    aside = table.name + INCOMPLETE_SUFFIX
    if table.incomplete and table_exists(con, schema, aside):
        same_key = " and ".join(f'm."{k}" = a."{k}"' for k in table.key)
        sql += (
            f' union all by name select a.* from {schema}."{aside}" a where {where} '
            f"and not exists (select 1 from {main} m where {same_key})"
        )
        params = params * 2
    return read_frame(con, sql, params)
