"""The marts' inputs: every registered provider's raw tables of a window, staged."""

from __future__ import annotations

from datetime import datetime

import duckdb
from dagster import AssetKey

from models.staging.staged import Staged
from pipelines.registry import SPECS
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
        frames = {}
        for table in present:
            where, params = table.window(start, end)
            frames[table.name] = read_frame(
                con, f'select * from {spec.name}."{table.name}" where {where}', params
            )
        staged.append(spec.stage(frames))
    return staged
