"""A year of all five providers as one ``lsw run``, next to the same records loaded in one go.

Both load the same sandbox world (its own process, zero latency, clock frozen) through the
same dlt sources, HTTP layer and loader:

- **lsw run**: the CLI as a user runs it, as a process: one Dagster run with daily
  partitions, each provider's window in one step, the marts for the range, and Dagster's
  bookkeeping (a materialisation event per asset and partition, in SQLite);
- **one-shot**: each provider's source for the whole range and its snapshot source, loaded
  by a dlt pipeline in this process (no Dagster), then every mart built once for the range.

Printed: both wall times, where the time goes (extract, load, marts, Dagster bookkeeping)
and the ratio. Target: lsw run <= 1.3x one-shot.

Run: ``nice -n 10 uv run python -m bench.backfill [--scale 1] [--days 365]
[--event-batch-size N] [--keep DIR]`` (N sets DAGSTER_EVENT_BATCH_SIZE for the lsw run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from bench.window_sources import window_sources
from sandbox import SandboxConfig
from sandbox.server import SandboxProcess

ENV_LIMIT = 100_000  # bytes: exec refuses a variable over 128 KiB; larger values go to .dlt/
# TikTok Shop's per-run credit budget (500 by default) ends a year's backfill at scale 8 part
# way; both sides get room for the whole year
BUDGETS = {"SOURCES__TIKTOK_SHOP__MAX_CREDITS_PER_RUN": "1000000"}


def write_config(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """The sandbox's settings as ``lsw run`` reads them: too-long values in .dlt/config.toml
    (a year's Shopee session list is ~200 KB), the rest as environment variables."""
    big = {k: v for k, v in env.items() if len(v) > ENV_LIMIT}
    lines = []
    for key, value in big.items():
        _, provider, name = key.split("__", 2)
        lines += [f"[sources.{provider.lower()}]", f"{name.lower()} = {json.dumps(value)}"]
    (folder / ".dlt").mkdir(exist_ok=True)
    (folder / ".dlt" / "config.toml").write_text("\n".join(lines) + "\n")
    return {k: v for k, v in env.items() if k not in big}


def one_shot(folder: Path, env: dict[str, str], start: date, end: date) -> dict[str, float]:
    """Every provider's records for [start, end] in one dlt load each, then the marts once."""
    from dagster_project.defs.marts.assets import rebuild_by_chunks
    from dagster_project.resources import Warehouse
    from warehouse import paths
    from warehouse.store import DuckStore

    saved = dict(os.environ)
    os.environ.update(env)
    os.environ["LSW_WAREHOUSE"] = str(folder / "warehouse.duckdb")
    os.environ["LSW_TOKEN_DIR"] = str(folder / "tokens")  # the sandbox's, not the user's store
    os.environ.pop("LSW_STATE_DIR", None)
    os.environ.pop("DAGSTER_HOME", None)
    paths.prepare()
    warehouse = Warehouse()
    lo = datetime(start.year, start.month, start.day, tzinfo=UTC)
    hi = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    spent: defaultdict[str, float] = defaultdict(float)
    for provider, n, source in window_sources(lo, hi):
        pipeline = warehouse.pipeline(provider, f"oneshot{n}")
        pipeline.drop()
        pipeline.sync_destination()
        started = time.perf_counter()
        pipeline.extract(source, loader_file_format="parquet")
        spent["extract"] += time.perf_counter() - started
        spent[f"extract {provider}"] += time.perf_counter() - started
        started = time.perf_counter()
        pipeline.normalize()
        pipeline.load().raise_on_failed_jobs()
        spent["load"] += time.perf_counter() - started
    started = time.perf_counter()
    with duckdb.connect(str(warehouse.file)) as con:
        rebuild_by_chunks(DuckStore(con), lo, hi)
    spent["marts"] = time.perf_counter() - started
    os.environ.clear()  # a child process (the next sandbox) must not inherit ~200 KB values
    os.environ.update(saved)
    return dict(spent)


def lsw_run(
    folder: Path, env: dict[str, str], start: date, end: date, profile: Path | None = None
) -> float:
    command = ["lsw", "run", "--start", start.isoformat(), "--end", end.isoformat()]
    if profile is not None:  # sampled by py-spy (threads on CPU)
        command = [*_py_spy(profile / "lsw-run.txt"), "--subprocesses", "--", *command]
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=folder,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in ("LSW_STATE_DIR", "DAGSTER_HOME") and not k.startswith("SOURCES__")
            },
            **env,
            "LSW_WAREHOUSE": str(folder / "warehouse.duckdb"),
            "LSW_TOKEN_DIR": str(folder / "tokens"),  # the sandbox's, not the user's store
        },
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"lsw run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return wall


def _py_spy(out: Path) -> list[str]:
    """py-spy recording folded stacks (one line per stack and its sample count) to ``out``."""
    spy = [which] if (which := shutil.which("py-spy")) else ["uvx", "py-spy"]
    return [
        *spy,
        "record",
        "--threads",
        "--gil",
        "--format",
        "raw",
        "-r",
        "50",
        "-o",
        str(out),
    ]


@contextmanager
def profiled(out: Path | None) -> Iterator[None]:
    """This process sampled by py-spy while the block runs (nothing when ``out`` is None)."""
    if out is None:
        yield
        return
    spy = subprocess.Popen([*_py_spy(out), "--pid", str(os.getpid())])
    time.sleep(1.0)  # attached before the work starts
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        spy.wait(timeout=60)


def where_time_went(folder: Path) -> dict[str, Any]:
    """From the run's Dagster event log: each step's work (start to its first
    materialisation) and bookkeeping (its materialisation events, to the step's end)."""
    from dagster import DagsterEventType, DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    home = str(folder / ".lsw" / "dagster")
    os.environ["DAGSTER_HOME"] = home  # lsw's dagster.yaml finds its storage through it
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(home))
    spans: dict[str, Any] = {"steps": {}, "events": 0}
    for run in instance.get_runs():
        logs = instance.all_logs(run.run_id)
        start = next(
            e.timestamp for e in logs if e.dagster_event_type == DagsterEventType.RUN_START
        )
        stop = logs[-1].timestamp
        spans["run"] = spans.get("run", 0.0) + stop - start
        by_step: dict[str, dict[str, float]] = {}
        for entry in logs:
            kind, step = entry.dagster_event_type, entry.step_key
            if step is None or kind is None:
                continue
            times = by_step.setdefault(step, {})
            if kind == DagsterEventType.STEP_START:
                times["start"] = entry.timestamp
            elif kind == DagsterEventType.ASSET_MATERIALIZATION:
                spans["events"] += 1
                times.setdefault("first_event", entry.timestamp)
            elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                times["end"] = entry.timestamp
        for step, times in by_step.items():
            first = times.get("first_event", times["end"])
            spans["steps"][step] = (first - times["start"], times["end"] - first)
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--event-batch-size", type=int, default=0)
    parser.add_argument("--keep", help="directory to keep both warehouses in")
    parser.add_argument(
        "--profile", help="directory for py-spy's folded stacks of each side (needs py-spy)"
    )
    args = parser.parse_args()
    end = datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=args.days - 1)
    profile = Path(args.profile).resolve() if args.profile else None
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
    # a sandbox each, the same world: Shopee's refresh tokens rotate, so a run must not meet
    # the tokens the other one spent; the clock runs (Shopee refuses signatures 5 min off)
    world = SandboxConfig(scale=args.scale, days=args.days + 1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        ours, theirs = folder / "lsw", folder / "oneshot"
        ours.mkdir(parents=True)
        theirs.mkdir(parents=True)
        with SandboxProcess(world) as sandbox:
            started, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
            with profiled(profile / "one-shot.txt" if profile else None):
                spent = one_shot(theirs, {**sandbox.env(), **BUDGETS}, start, end)
            shot = time.perf_counter() - started
            shot_cpu = _cpu(resource.RUSAGE_SELF) - cpu
            print(f"one-shot: {shot:.1f} s {dict(spent)}", flush=True)
        with SandboxProcess(world) as sandbox:
            small = write_config(ours, {**sandbox.env(), **BUDGETS})
            if args.event_batch_size:
                small["DAGSTER_EVENT_BATCH_SIZE"] = str(args.event_batch_size)
            cpu = _cpu(resource.RUSAGE_CHILDREN)  # the one-shot's sandbox has exited
            wall = lsw_run(ours, small, start, end, profile)
            run_cpu = _cpu(resource.RUSAGE_CHILDREN) - cpu
        spans = where_time_went(ours)
        with duckdb.connect(str(ours / "warehouse.duckdb"), read_only=True) as con:
            sessions = con.sql("select provider, count(*) from marts.fct_sessions group by 1")
            counts = dict(sessions.fetchall())
    print(f"{args.days} days, scale {args.scale}: {sum(counts.values()):,} sessions {counts}")
    print(
        f"one-shot: {shot:6.1f} s (extract {spent['extract']:.1f}, load {spent['load']:.1f}, "
        f"marts {spent['marts']:.1f}; extract by provider: "
        + ", ".join(f"{k.split()[1]} {v:.1f}" for k, v in spent.items() if k.startswith("extract "))
        + ")"
    )
    steps = spans["steps"]
    print(
        f"lsw run:  {wall:6.1f} s (Dagster runs {spans['run']:.1f}; process start and "
        f"definitions {wall - spans['run']:.1f}; {spans['events']:,} materialisation events)"
    )
    for step, (work, books) in sorted(steps.items()):
        print(f"  {step:<40} work {work:6.1f} s, bookkeeping {books:6.1f} s")
    print(f"ratio lsw run / one-shot: {wall / shot:.2f}x (target <= 1.3x)")
    # CPU seconds (user + system) of each side's own process: what the load of other
    # processes on the machine changes least
    print(
        f"CPU: one-shot {shot_cpu:.1f} s, lsw run {run_cpu:.1f} s, "
        f"ratio {run_cpu / shot_cpu:.2f}x; load average {os.getloadavg()[0]:.1f}"
    )


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
