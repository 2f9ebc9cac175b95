"""The same `lsw run` recorded in Dagster's default SQLite instance and in a PostgreSQL one.

Both sides run the CLI as a user runs it (a process: one Dagster run over daily partitions,
every provider and the marts) against a sandbox process of their own (zero latency; a fresh
one per run, as Shopee's refresh tokens rotate) serving the same world. Only the Dagster
instance differs:

- **sqlite**: lsw's default, ``$LSW_STATE_DIR/dagster`` (SQLite files on the local disk);
- **postgres**: deploy/postgres/dagster.yaml in DAGSTER_HOME, on a PostgreSQL server started
  here on loopback with its default durability (fsync and synchronous commit on, unlike the
  tests' throwaway server), so each event is as durable as SQLite's;
- **postgres-batched**: the same with ``DAGSTER_EVENT_BATCH_SIZE=1000``: Dagster's PostgreSQL
  event log writes a batch of materialisations in one insert (its SQLite one does not). This
  is what `lsw run` now does on PostgreSQL by itself; the other sides set the variable to 0.

Printed per run: wall time, the Dagster run's own time, its materialisation events and the
bookkeeping they cost (each step from its first materialisation event to its end, as in
bench/backfill.py), the cost per event, and the PostgreSQL / SQLite ratios. Then the storage
alone: ``--events`` materialisation events (a day's partition and a row count each, as lsw
records them) written one by one into a run of each instance from this process.

Run: ``nice -n 10 uv run python -m bench.dagster_pg [--days 90] [--scale 1] [--rounds 1]
[--events 1000] [--sides sqlite postgres postgres-batched]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg2

from bench.backfill import write_config
from sandbox import SandboxConfig
from sandbox.server import SandboxProcess
from tests.postgres import USER, _as_server_user, _free_port, server_bin

ROOT = Path(__file__).resolve().parents[1]
LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]
SIDES = ("sqlite", "postgres", "postgres-batched")


@dataclass
class Recorded:
    wall_s: float
    run_s: float
    events: int
    bookkeeping_s: float

    @property
    def per_event_ms(self) -> float:
        return 1000 * self.bookkeeping_s / max(1, self.events)


@contextmanager
def durable_server(folder: Path) -> Iterator[str]:
    """A PostgreSQL server with its default durability; yields the URL of an empty database."""
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    initdb = [server_bin("initdb"), "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8"]
    subprocess.run(_as_server_user(initdb), check=True, capture_output=True)
    port = _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    pg_ctl = server_bin("pg_ctl")
    start = [pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
    subprocess.run(_as_server_user(start), check=True, capture_output=True)
    try:
        con = psycopg2.connect(f"postgresql://{USER}@127.0.0.1:{port}/postgres")
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("create database dagster")
        con.close()
        yield f"postgresql+psycopg2://{USER}@127.0.0.1:{port}/dagster"
    finally:
        stop = [pg_ctl, "-D", str(data), "-m", "fast", "stop"]
        subprocess.run(_as_server_user(stop), check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def lsw_run(folder: Path, env: dict[str, str], start: date, end: date) -> float:
    """``lsw run`` of every provider for start..end, as a process; its wall time."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOURCES__", "LSW_", "DAGSTER_HOME"))
    }
    began = time.perf_counter()
    done = subprocess.run(
        [*LSW, "run", "--start", start.isoformat(), "--end", end.isoformat(), "--quiet"],
        cwd=folder,
        env={
            **base,
            **env,
            "LSW_WAREHOUSE": str(folder / "warehouse.duckdb"),
            "LSW_TOKEN_DIR": str(folder / "tokens"),  # the sandbox's tokens, not the user's
        },
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"lsw run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return wall


def recorded(home: Path, wall_s: float) -> Recorded:
    """The run's own time, its materialisation events and their bookkeeping, from the
    instance it was recorded in."""
    from dagster import DagsterEventType, DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        [run] = instance.get_runs()
        logs = instance.all_logs(run.run_id)
    started = next(e.timestamp for e in logs if e.dagster_event_type == DagsterEventType.RUN_START)
    events, books = 0, 0.0
    first: dict[str, float] = {}
    for entry in logs:
        kind, step = entry.dagster_event_type, entry.step_key
        if step is None or kind is None:
            continue
        if kind == DagsterEventType.ASSET_MATERIALIZATION:
            events += 1
            first.setdefault(step, entry.timestamp)
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            books += entry.timestamp - first.get(step, entry.timestamp)
    return Recorded(wall_s, logs[-1].timestamp - started, events, books)


def one(kind: str, folder: Path, world: SandboxConfig, start: date, end: date) -> Recorded:
    folder.mkdir(parents=True)
    home = folder / ".lsw" / "dagster"
    with SandboxProcess(world) as sandbox:
        env = write_config(folder, sandbox.env())
        # explicit on every side: lsw run turns batching on by itself on PostgreSQL
        env["DAGSTER_EVENT_BATCH_SIZE"] = "1000" if kind == "postgres-batched" else "0"
        if kind == "sqlite":
            return recorded(home, lsw_run(folder, env, start, end))
        # its own folder: as root the server runs as `postgres`, which must reach it
        with durable_server(Path(tempfile.mkdtemp(prefix="lsw-bench-pg-"))) as url:
            home.mkdir(parents=True)
            shutil.copy(ROOT / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
            env = {**env, "DAGSTER_HOME": str(home), "LSW_DAGSTER_PG_URL": url}
            os.environ["LSW_DAGSTER_PG_URL"] = url  # for reading the instance back here
            return recorded(home, lsw_run(folder, env, start, end))


def store_events(kind: str, n: int) -> float:
    """Milliseconds per materialisation event written into a fresh instance of ``kind``."""
    from dagster import AssetMaterialization, DagsterEvent, DagsterEventType, DagsterInstance
    from dagster._core.events import StepMaterializationData
    from dagster._core.instance.ref import InstanceRef
    from dagster._core.test_utils import create_run_for_test

    def write(home: Path) -> float:
        with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
            run = create_run_for_test(instance, job_name="bench")
            began = time.perf_counter()
            for i in range(n):
                day = (date(2024, 1, 1) + timedelta(days=i)).isoformat()
                event = AssetMaterialization(
                    asset_key=["bench", "table"], partition=day, metadata={"dagster/row_count": i}
                )
                instance.report_dagster_event(
                    DagsterEvent(
                        event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
                        job_name="bench",
                        event_specific_data=StepMaterializationData(event),
                    ),
                    run.run_id,
                )
            return 1000 * (time.perf_counter() - began) / n

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        if kind == "sqlite":
            (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
            return write(home)
        shutil.copy(ROOT / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
        with durable_server(Path(tempfile.mkdtemp(prefix="lsw-bench-pg-"))) as url:
            os.environ["LSW_DAGSTER_PG_URL"] = url
            return write(home)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dagster_pg")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="pairs, alternating the sides")
    parser.add_argument("--events", type=int, default=1000, help="events for the storage alone")
    parser.add_argument("--sides", nargs="+", default=list(SIDES), choices=SIDES)
    args = parser.parse_args()
    end = datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=args.days - 1)
    world = SandboxConfig(scale=args.scale, days=args.days + 1)
    results: dict[str, list[Recorded]] = {side: [] for side in args.sides}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            shift = round_ % len(args.sides)  # each round starts with another side
            for kind in [*args.sides[shift:], *args.sides[:shift]]:
                got = one(kind, Path(tmp) / f"{kind}{round_}", world, start, end)
                results[kind].append(got)
                print(
                    f"{kind:<16} {got.wall_s:6.1f} s wall, run {got.run_s:6.1f} s, "
                    f"{got.events:,} events, bookkeeping {got.bookkeeping_s:6.1f} s "
                    f"({got.per_event_ms:.1f} ms/event)",
                    flush=True,
                )
    best = {side: min(runs, key=lambda r: r.wall_s) for side, runs in results.items()}
    base = best[args.sides[0]]
    print(f"{args.days} days, scale {args.scale}, best of {args.rounds}:")
    for side, got in best.items():
        print(
            f"{side:<16} wall {got.wall_s:6.1f} s ({got.wall_s / base.wall_s:.2f}x of "
            f"{args.sides[0]}), {got.per_event_ms:6.1f} ms/event "
            f"({got.per_event_ms / base.per_event_ms:.2f}x)"
        )
    alone = {kind: store_events(kind, args.events) for kind in ("sqlite", "postgres")}
    print(
        f"storage alone, {args.events:,} events: sqlite {alone['sqlite']:.1f} ms/event, "
        f"postgres {alone['postgres']:.1f} ms/event, "
        f"ratio {alone['postgres'] / alone['sqlite']:.2f}x"
    )


if __name__ == "__main__":
    main()
