"""Dagster's bookkeeping on a long marts-only run: Dagster's SQLite storage against lsw's.

A ranged run of the daily marts records one materialisation event per asset and partition
(5 marts x 365 days = 1,825 events for a year) in the SQLite event log. Each variant runs
the marts (an empty warehouse, so the work is small and bookkeeping is what is measured) for
the range as ``lsw run`` runs them: one in-process Dagster run (lsw/runner.py), in a fresh
process and a fresh Dagster instance.

- ``dagster``: Dagster's own SQLite storage, events written one by one (what lsw used);
- ``dagster-batch``: the same with ``DAGSTER_EVENT_BATCH_SIZE=1000`` (dagster pull request
  19862): Dagster hands the storage a ranged output's events together;
- ``lsw``: ``dagster_project.event_storage.BatchedSqliteStorage`` (what lsw writes into
  dagster.yaml), which writes such a batch in one transaction per file.

Run: ``nice -n 10 uv run python -m bench.bookkeeping [--days 365]
[--variants dagster lsw dagster-batch lsw]`` (repeat variants to alternate them: the
machine's load drifts).
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

DAGSTER_STORAGE = """\
storage:
  sqlite:
    base_dir:
      env: DAGSTER_HOME
telemetry:
  enabled: false
"""


def child(folder: Path, days: int, variant: str) -> None:
    from dagster import DagsterEventType, DagsterInstance

    from lsw.runner import materialize
    from warehouse import paths

    os.environ["LSW_WAREHOUSE"] = str(folder / "warehouse.duckdb")
    if variant.startswith("dagster"):
        home = folder / ".lsw" / "dagster"
        home.mkdir(parents=True)
        (home / "dagster.yaml").write_text(DAGSTER_STORAGE)
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
    storage = type(instance.event_log_storage).__name__
    print(json.dumps({"seconds": seconds, "events": events, "storage": storage}))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bookkeeping")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["dagster", "lsw", "dagster-batch", "lsw"],
        choices=["dagster", "dagster-batch", "lsw"],
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.days, args.variant)
        return
    seconds: dict[str, list[float]] = {}
    for variant in args.variants:
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("LSW_", "DAGSTER_"))}
            if variant == "dagster-batch":
                env["DAGSTER_EVENT_BATCH_SIZE"] = "1000"
            command = [sys.executable, "-m", "bench.bookkeeping", "--days", str(args.days)]
            done = subprocess.run(
                [*command, "--child", tmp, "--variant", variant],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            run = json.loads(done.stdout.strip().splitlines()[-1])
            seconds.setdefault(variant, []).append(run["seconds"])
            print(
                f"{variant:<14} {run['seconds']:6.1f} s for {run['events']:,} materialisation "
                f"events ({args.days} days; {run['storage']}; load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    base = min(seconds[args.variants[0]])
    for variant, runs in seconds.items():
        best = min(runs)
        print(f"{variant:<14} best {best:6.1f} s, {best / base:.2f}x of {args.variants[0]}")


if __name__ == "__main__":
    main()
