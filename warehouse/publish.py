"""The published read-only copy: what BI tools, notebooks, `lsw sql` and the report open.

DuckDB lets one process write a file and makes writers wait for every reader, so a notebook
left open on the warehouse would delay each scheduled load. After each write the finished
warehouse is copied to ``<name>.readonly.duckdb`` beside it: written to a temporary name, then
swapped in with ``os.replace``. A reader holding the old copy keeps reading its snapshot (its
open file is unlinked, not changed) and the next reader opens the new one; no writer ever waits
for a reader of the copy. The copy is made while holding the writer lock, from a checkpointed
file, so it is always a consistent warehouse. docs/benchmarks.md measures its cost.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from warehouse import destination
from warehouse.db import connect, say_waiting
from warehouse.locks import while_locked, writer_lock

log = logging.getLogger("lsw.warehouse")
SUFFIX = ".readonly.duckdb"


def copy_path(warehouse: Path) -> Path:
    """``data/warehouse.duckdb`` -> ``data/warehouse.readonly.duckdb``."""
    return warehouse.with_name(warehouse.stem + SUFFIX)


def reader_path(warehouse: Path) -> Path:
    """The file a reader should open: the published copy when there is one."""
    published = copy_path(warehouse)
    return published if published.is_file() else warehouse


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _current(warehouse: Path, published: Path) -> bool:
    """The copy carries the warehouse's size and mtime: equal means nothing was written since."""
    if not published.is_file() or _wal(warehouse).exists():
        return False
    source, copy = warehouse.stat(), published.stat()
    return (source.st_size, source.st_mtime_ns) == (copy.st_size, copy.st_mtime_ns)


def publish(warehouse: Path) -> Path | None:
    """Copy ``warehouse`` to its read-only copy, atomically; None when there is no warehouse.

    Holds the writer lock, so no lsw write changes the file mid-copy. A write-ahead log left
    beside the file (a writer that died) is checkpointed into it first. Only the DuckDB file
    has a copy: a server destination serves its readers itself.
    """
    if not destination.is_duckdb() or not warehouse.is_file():
        return None
    published = copy_path(warehouse)
    with writer_lock(warehouse, on_wait=say_waiting):
        if _current(warehouse, published):
            return published
        if _wal(warehouse).exists():
            with connect(warehouse) as con:  # re-entrant: the lock is already ours
                while_locked(lambda: con.execute("checkpoint").fetchall(), max_wait_s=120)
        temporary = published.with_name(f".{published.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(warehouse, temporary)
            shutil.copystat(warehouse, temporary)  # the mtime says which write it holds
            temporary.chmod(0o444)
            os.replace(temporary, published)
        finally:
            temporary.unlink(missing_ok=True)
    log.debug("published %s", published)
    return published
