"""Publishing the read-only copy: what it costs per warehouse size, two ways side by side.

After every load lsw copies the checkpointed warehouse file to ``warehouse.readonly.duckdb``
under the writer lock (warehouse/publish.py), so that is time other writers wait. The
alternative is DuckDB's own ``ATTACH ... ; COPY FROM DATABASE``, which rewrites every table
into a new file. Both are timed on the same warehouses: fct_sessions-shaped rows, 1 to N
million per size.

Run: ``uv run python -m bench.publish [--millions 1 4 16]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from warehouse.publish import copy_path, publish

ROWS = """
create table fct_sessions as
select 'shopee' as provider, (i % 500)::varchar as account_id, i::varchar as session_id,
    'Session ' || i as title, date '2026-01-01' + (i % 365)::int as session_date,
    (i % 7200)::bigint as duration_s, (i % 10000)::bigint as views, (i * 7 % 1000)::double as gmv,
    'USD' as currency, (i * 7 % 1000)::double as gmv_usd
from range(?) t(i)
"""


def build(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(ROWS, [rows])


def file_copy(warehouse: Path) -> float:
    copy_path(warehouse).unlink(missing_ok=True)
    began = time.perf_counter()
    publish(warehouse)
    return time.perf_counter() - began


def copy_from_database(warehouse: Path) -> float:
    target = warehouse.with_name("copied.duckdb")
    target.unlink(missing_ok=True)
    began = time.perf_counter()
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as source (read_only)")
        con.execute(f"attach '{target}' as target")
        con.execute("copy from database source to target")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--millions", type=float, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    print("| rows | warehouse | publish (file copy) | COPY FROM DATABASE | ratio |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        for millions in args.millions:
            warehouse = Path(folder) / f"w{millions}.duckdb"
            build(warehouse, int(millions * 1_000_000))
            size = warehouse.stat().st_size / 2**20
            copied = min(file_copy(warehouse) for _ in range(3))
            rewritten = min(copy_from_database(warehouse) for _ in range(3))
            print(
                f"| {millions:g} M | {size:,.0f} MiB | {copied:.3f} s "
                f"({size / copied:,.0f} MiB/s) | {rewritten:.3f} s | {rewritten / copied:.1f}x |"
            )


if __name__ == "__main__":
    main()
