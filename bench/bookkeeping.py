"""Dagster's bookkeeping on a long marts-only run, with and without event batching.

A ranged run of the daily marts records one materialisation event per asset and partition
(5 marts x 1,095 days = 5,475 events for three years) in the SQLite event log. Dagster can
store the events of a ranged materialisation in batches (``DAGSTER_EVENT_BATCH_SIZE``,
dagster pull request 19862). Each setting runs the marts (an empty warehouse, so the work
is small and bookkeeping is what is measured) for the range as ``lsw run`` runs them: one
in-process Dagster run (lsw/runner.py), in a fresh process and a fresh Dagster instance.

Run: ``nice -n 10 uv run python -m bench.bookkeeping [--days 1095] [--sizes 0 1000 0 1000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def child(folder: Path, days: int) -> None:
    from dagster import DagsterEventType, DagsterInstance

    from lsw.runner import materialize
    from warehouse import paths

    os.environ["LSW_WAREHOUSE"] = str(folder / "warehouse.duckdb")
    paths.prepare()
    end = date(2026, 11, 19)
    start = end - timedelta(days=days - 1)
    started = time.perf_counter()
    outcome = materialize([], start, end)
    seconds = time.perf_counter() - started
    assert outcome.ok, outcome.failures
    instance = DagsterInstance.get()
    events = sum(
        1
        for run_id in outcome.run_ids
        for entry in instance.all_logs(run_id)
        if entry.dagster_event_type == DagsterEventType.ASSET_MATERIALIZATION
    )
    print(json.dumps({"seconds": seconds, "events": events}))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bookkeeping")
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1000])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.days)
        return
    seconds: dict[int, list[float]] = {}
    for size in args.sizes:  # repeat a size to alternate them: the machine's load drifts
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("LSW_", "DAGSTER_"))}
            if size:
                env["DAGSTER_EVENT_BATCH_SIZE"] = str(size)
            command = [sys.executable, "-m", "bench.bookkeeping", "--days", str(args.days)]
            done = subprocess.run(
                [*command, "--child", tmp], env=env, capture_output=True, text=True, check=True
            )
            run = json.loads(done.stdout.strip().splitlines()[-1])
            seconds.setdefault(size, []).append(run["seconds"])
            print(
                f"DAGSTER_EVENT_BATCH_SIZE={size or 'unset'}: {run['seconds']:.1f} s for "
                f"{run['events']:,} materialisation events ({args.days} days)",
                flush=True,
            )
    base = min(seconds[args.sizes[0]])
    for size, runs in seconds.items():
        best = min(runs)
        print(f"batch {size or 'unset'}: best {best:.1f} s, {best / base:.2f}x of unbatched")


if __name__ == "__main__":
    main()
