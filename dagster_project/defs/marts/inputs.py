"""The marts' inputs: every registered provider's raw tables of a window, staged.

A window reads only the rows it needs of every table, so a one-day rebuild costs the same on
the first day of the product as after years of history: rows with a time of their own by it,
children through their parent's rows of the window, point-in-time snapshots through their
table's ``scope`` (pipelines/spec.py's ``RawTable``). The SQL is portable (no DuckDB-only
syntax), so the same reads run on every destination (warehouse/store.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import duckdb
from dagster import AssetKey

from models.staging.staged import Staged
from pipelines.figures import INCOMPLETE_SUFFIX
from pipelines.registry import SPECS
from pipelines.spec import RawTable
from warehouse.store import DuckStore, Store

RAW_KEYS = [
    AssetKey([spec.name, name])
    for spec in SPECS.values()
    for name in (*spec.resources, *spec.snapshot_resources)
    if name in {table.name for table in spec.raw_tables}
]

# Called with (schema, table, rows) for every raw table a window reads: how the tests see
# that a rebuild reads its window's rows and no more.
ReadHook = Callable[[str, str, int], None]
read_hooks: list[ReadHook] = []


def as_store(source: Store | duckdb.DuckDBPyConnection) -> Store:
    """A DuckDB connection (as tests and benchmarks hold one) as the store it stands for."""
    return DuckStore(source) if isinstance(source, duckdb.DuckDBPyConnection) else source


def staged_window(
    source: Store | duckdb.DuckDBPyConnection, start: datetime, end: datetime
) -> list[Staged]:
    """Each provider with data: its raw tables of [start, end), through its staging model.

    The frames are lazy and, on DuckDB, read from the connection when collected (only the
    columns the marts use): collect them while the store is open.

    A provider whose first (primary) raw table does not exist yet has never been loaded and
    is left out; its other tables may be missing (a run that found no products creates no
    products table), and the staging model treats a missing one as empty.
    """
    store = as_store(source)
    staged = []
    for spec in SPECS.values():
        present = {t.name: t for t in spec.raw_tables if store.table_exists(spec.name, t.name)}
        if spec.raw_tables[0].name not in present:
            continue
        frames = {}
        for table in present.values():
            sql, params = window_sql(store, spec.name, present, table, start, end)
            if read_hooks:
                ((rows,),) = store.run(f"select count(*) from ({sql}) as window_rows", params)
                for hook in read_hooks:
                    hook(spec.name, table.name, int(rows))
            frames[table.name] = store.frame(sql, params, like=(spec.name, table.name))
        staged.append(spec.stage(frames))
    return staged


def window_sql(
    source: Store | duckdb.DuckDBPyConnection,
    schema: str,
    tables: dict[str, RawTable],
    table: RawTable,
    start: datetime,
    end: datetime,
) -> tuple[str, list[object]]:
    """The query of ``table``'s rows the window needs, plus records kept aside for a missing
    figure where the table holds no complete record of the same key (pipelines/figures.py).

    ``tables`` are the provider's raw tables that exist; a child whose parent does not exist
    has no rows in any window. The records kept aside may lack columns of the table or have
    more: both sides of the union name every column of either, in the same order.
    """
    store = as_store(source)
    main = f'{schema}."{table.name}"'
    if table.scope is not None:
        return table.scope(main, start, end)
    where, params = _where(store, schema, tables, table, start, end)
    aside = table.name + INCOMPLETE_SUFFIX
    if not (table.incomplete and store.table_exists(schema, aside)):
        return f"select this.* from {main} this where {where}", params
    ours, theirs = store.columns(schema, table.name), store.columns(schema, aside)
    every = ours + [c for c in theirs if c not in ours]

    def side(present: list[str]) -> str:
        return ", ".join(f'this."{c}"' if c in present else f'null as "{c}"' for c in every)

    same_key = " and ".join(f'm."{k}" = this."{k}"' for k in table.key)
    sql = (
        f"select {side(ours)} from {main} this where {where} "
        f'union all select {side(theirs)} from {schema}."{aside}" this where {where} '
        f"and not exists (select 1 from {main} m where {same_key})"
    )
    return sql, params * 2


def _where(
    store: Store,
    schema: str,
    tables: dict[str, RawTable],
    table: RawTable,
    start: datetime,
    end: datetime,
) -> tuple[str, list[object]]:
    if table.time_column is not None:
        where, params = table.window(start, end)
        return where.replace(f'"{table.time_column}"', f'this."{table.time_column}"'), params
    parent = table.parent
    if parent is None:
        return "true", []
    if parent.table not in tables:
        return "false", []
    sql, params = window_sql(store, schema, tables, tables[parent.table], start, end)
    return (
        f'this."{parent.column}" in (select "{parent.parent_column}" from ({sql}) as parent_rows)',
        params,
    )
