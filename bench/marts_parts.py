"""A long window's marts on a real warehouse: rebuilt whole vs a quarter at a time.

The marts asset rebuilds a long window in parts of ``CHUNK_DAYS``
(dagster_project/defs/marts/assets.py) so that its memory is bounded by a part's rows, not
by the range. This rebuilds the same window of a copy of a warehouse both ways, each in a
subprocess of its own so that its peak memory (ru_maxrss) is its own, and checks that both
give the same marts.

Run: ``nice -n 10 uv run python -m bench.marts_parts --warehouse FILE --start 2025-12-06
--end 2026-12-05`` (a warehouse a year's ``lsw run`` loaded; it is copied, not changed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from bench.child import run_child

MARTS = ["fct_sessions", "gmv_daily", "engagement_daily", "product_performance", "followers_daily"]


def child(path: Path, start: date, end: date, chunk_days: int) -> None:
    from dagster_project.defs.marts.assets import rebuild_by_chunks
    from warehouse.store import DuckStore

    lo = datetime.combine(start, datetime.min.time(), UTC)
    hi = datetime.combine(end, datetime.min.time(), UTC) + timedelta(days=1)
    started = time.perf_counter()
    with duckdb.connect(str(path)) as con:
        built = rebuild_by_chunks(DuckStore(con), lo, hi, chunk_days)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "built": built}))


def measure(path: Path, start: date, end: date, chunk_days: int) -> dict[str, object]:
    args = ["--child", str(chunk_days), "--warehouse", str(path)]
    return run_child("bench.marts_parts", *args, "--start", str(start), "--end", str(end))


def marts(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: sorted(con.sql(f"select * from marts.{t}").fetchall(), key=repr) for t in MARTS}


def main() -> None:
    from dagster_project.defs.marts.assets import CHUNK_DAYS

    parser = argparse.ArgumentParser(prog="python -m bench.marts_parts")
    parser.add_argument("--warehouse", required=True, type=Path)
    parser.add_argument("--start", required=True, type=date.fromisoformat)
    parser.add_argument("--end", required=True, type=date.fromisoformat)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.warehouse, args.start, args.end, args.child)
        return
    whole_days = (args.end - args.start).days + 1
    results, built = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, days in (("by parts", CHUNK_DAYS), ("whole", whole_days)):
            copy = Path(tmp) / f"{days}.duckdb"
            shutil.copy(args.warehouse, copy)
            results[label] = measure(copy, args.start, args.end, days)
            built[label] = marts(copy)
    print(f"load average {os.getloadavg()[0]:.1f}; window {args.start}..{args.end}")
    for label, run in results.items():
        print(f"{label:>8}: {run['seconds']:6.1f} s, peak {run['peak_mb']:,.0f} MB, {run['built']}")
    ratio = float(results["by parts"]["seconds"]) / float(results["whole"]["seconds"])  # type: ignore[arg-type]
    print(f"time by parts / whole: {ratio:.2f}x")
    for table in MARTS:
        parts, whole = set(built["by parts"][table]), set(built["whole"][table])
        print(f"  {table}: " + ("the same" if parts == whole else "DIFFERENT"), end="")
        print(
            ""
            if parts == whole
            else f": {len(parts - whole)} rows only by parts, e.g. "
            f"{sorted(parts - whole, key=repr)[:2]}; {len(whole - parts)} only whole, e.g. "
            f"{sorted(whole - parts, key=repr)[:2]}"
        )


if __name__ == "__main__":
    main()
