"""A run as the UI and the schedules launch it: Dagster's multiprocess executor vs lsw's.

The UI's "Materialize" on a range, a provider's daily schedule and the marts sensor start a
Dagster run of the code location's job in a process of its own; the job's executor then runs
its steps. Dagster's default executor starts a process per step, which imports Python, Dagster,
dlt and the definitions again; lsw's (``dagster_project/threaded.py``, every job's executor in
``dagster_project/definitions.py``) runs them in threads of the run's process.

Each variant runs the same job, every provider's daily partitions for ``--days`` days and the
marts (what "Materialize all" on a range runs), against one sandbox (its own process, zero
latency; a fresh one for each variant, as Shopee's refresh tokens rotate), through Dagster's
``execute_job`` with the job reconstructed from its module as a run worker does, in a fresh
process with a fresh warehouse and Dagster instance (lsw's dagster.yaml): **multiprocess** is
the product's definitions with Dagster's ``multiprocess_executor``, **forkserver** the same
with its step processes forked from a server that imported the definitions once,
**threaded** the product's definitions as they are. Printed: the run's wall time, the CPU
seconds of the whole variant process (its start-up and every process it started), and the
ratios.

Run: ``nice -n 10 uv run python -m bench.executors [--days 3] [--variants multiprocess
threaded multiprocess threaded]`` (also ``forkserver``; repeated variants alternate: the
machine's load drifts).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dagster import Definitions, ExecutorDefinition, multiprocess_executor

from dagster_project.definitions import defs


def _with_executor(executor: ExecutorDefinition) -> Definitions:
    """The product's definitions with only the executor changed (a module attribute, so the
    step processes of the multiprocess executor load the same definitions from this module)."""
    return Definitions(
        assets=defs.assets,
        schedules=defs.schedules,
        sensors=defs.sensors,
        resources=defs.resources,
        executor=executor,
    )


MULTIPROCESS = _with_executor(multiprocess_executor)
# the same with the step processes forked from a server that imported the definitions once
# (Dagster's documented way to cut a step's start-up)
FORKSERVER = _with_executor(
    multiprocess_executor.configured(
        {"start_method": {"forkserver": {"preload_modules": ["dagster_project.definitions"]}}}
    )
)
TARGETS = {
    "multiprocess": ("bench.executors", "MULTIPROCESS"),
    "forkserver": ("bench.executors", "FORKSERVER"),
    "threaded": ("dagster_project.definitions", "defs"),
}


def child(folder: Path, days: int, variant: str) -> dict[str, Any]:
    """One run of the job in this process: its wall and CPU seconds and its outcome."""
    from dagster import DagsterInstance, execute_job
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    from lsw.runner import MARTS_GROUP, asset_keys
    from pipelines.registry import SPECS
    from warehouse import paths

    paths.prepare(folder / "warehouse.duckdb")
    end = datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    keys = [*asset_keys(list(SPECS)), *asset_keys([MARTS_GROUP])]
    module, attribute = TARGETS[variant]
    repository = ReconstructableRepository.for_module(module, attribute, os.getcwd())
    job = repository.get_reconstructable_job("__ASSET_JOB")
    started = time.perf_counter()
    with DagsterInstance.get() as instance:
        result = execute_job(
            job,
            instance,
            tags={
                "dagster/asset_partition_range_start": start.isoformat(),
                "dagster/asset_partition_range_end": end.isoformat(),
            },
            asset_selection=keys,
            raise_on_error=False,
        )
        wall = time.perf_counter() - started
        steps = [e.step_key for e in result.all_events if e.is_step_success]
        failed = {
            str(e.step_key): _cause(e.step_failure_data.error)
            for e in result.all_events
            if e.is_step_failure
        }
    return {
        "variant": variant,
        "wall": wall,
        "ok": result.success,
        "steps": len(steps),
        "failed": failed,
    }


def _cause(error: Any) -> str:
    """The innermost error's first line (Dagster wraps a step's error in its own)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return str(getattr(error, "message", "") or "failed").strip().splitlines()[0][:300]


def _cpu() -> float:
    """CPU seconds of the child processes that have ended (and of those they waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.executors")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--variants", nargs="+", default=["multiprocess", "threaded"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        folder, variant = args.child.split("::")
        print(json.dumps(child(Path(folder), args.days, variant)))
        return

    from sandbox import SandboxConfig
    from sandbox.server import SandboxProcess

    results: list[dict[str, Any]] = []
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOURCES__", "LSW_", "DAGSTER_HOME"))
    }
    world = SandboxConfig(scale=1, days=args.days + 1)
    with tempfile.TemporaryDirectory() as tmp:
        for n, variant in enumerate(args.variants):
            # a sandbox each: Shopee's refresh tokens rotate, so a run must not meet the
            # tokens another one spent
            with SandboxProcess(world) as sandbox:
                folder = Path(tmp) / f"{n}-{variant}"
                folder.mkdir()
                cpu = _cpu()
                done = subprocess.run(
                    [
                        *(sys.executable, "-m", "bench.executors", "--days", str(args.days)),
                        *("--child", f"{folder}::{variant}"),
                    ],
                    env={**env, **sandbox.env(), "LSW_TOKEN_DIR": str(folder / "tokens")},
                    capture_output=True,
                    text=True,
                )
                cpu = _cpu() - cpu  # before the sandbox ends and is counted
            if done.returncode != 0:
                raise SystemExit(f"{variant} failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            # the forkserver's step processes are its children, never reaped by the variant
            # process: their CPU cannot be counted from here
            result["cpu"] = None if variant == "forkserver" else cpu
            results.append(result)
            used = "n/a" if result["cpu"] is None else f"{result['cpu']:6.1f} s"
            print(
                f"{variant:<13} {result['wall']:6.1f} s wall, {used} CPU, "
                f"{result['steps']} steps succeeded, failed {result['failed'] or 'none'}; "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    for measure in ("wall", "cpu"):
        mean = {
            v: sum(r[measure] for r in chosen) / len(chosen)
            for v in TARGETS
            if (chosen := [r for r in results if r["variant"] == v and r[measure] is not None])
        }
        print(f"{measure} (mean): " + ", ".join(f"{v} {t:.1f} s" for v, t in mean.items()))
        for other in ("multiprocess", "forkserver"):
            if other in mean and "threaded" in mean:
                print(f"  threaded / {other}: {mean['threaded'] / mean[other]:.2f}x")


if __name__ == "__main__":
    main()
