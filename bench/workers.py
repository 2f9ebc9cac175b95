"""Worker processes sharing one Trovo rate limit through PostgreSQL (``LSW_STATE_URL``).

The sandbox's own Trovo channels are split between 1, 2 and 4 worker processes; each reads
its channels' followers through the whole source (the shared HTTP layer, pyrate-limiter's
PostgreSQL bucket, dlt's extract) with one request at a time and 100 ms added to every
answer, so one worker alone is held back by latency, not by the limit. Each worker has a
state directory of its own (no file in common, as on separate machines); the only thing they
share is the state database, a throwaway PostgreSQL server (tests/postgres.py).

The sandbox enforces Trovo's 1200 requests a minute, shortened in proportion to 100 per 5 s
(``--window``), and every worker is told the same limit. For each worker count: requests,
wall time from the common start to the last answer, the overall rate and the steady rate
(``limit`` over the mean time between answer i and answer i - ``limit``: the sliding
window lets the first ``limit`` go at once) against the allowed rate and against n times one
worker's rate (what n workers would do with no limit), and requests the sandbox refused for
the rate limit (target 0).

Run: ``uv run python -m bench.workers [--followers 50000] [--window 5] [--latency-ms 100]
[--workers 1 2 4]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import httpx

from pipelines.config import read_config
from pipelines.report import RunReport
from pipelines.trovo import trovo_source
from pipelines.trovo.helpers import TrovoApi
from pipelines.trovo.schema import FollowersPage
from pipelines.trovo.settings import RATE_LIMIT, RATE_WINDOW_S, TrovoConfig
from sandbox import SandboxConfig
from sandbox.server import SandboxProcess
from tests.postgres import cluster

FROZEN_AT = datetime(2026, 11, 20, 12, tzinfo=UTC)
EVER = datetime(2019, 1, 1, tzinfo=UTC)
WORKER_COUNTS = (1, 2, 4)


# --- one worker (a process of its own) ---------------------------------------------------------


def worker(channels: list[str], limit: int, window: float, workdir: Path) -> None:
    """Read ``channels``' followers once released; print what was done as JSON."""
    config = read_config(TrovoConfig)
    assert config is not None
    config.channel_ids = channels
    config.concurrency = 1
    config.rate_limit, config.rate_window_s = limit, window
    config.timeout_s, config.max_attempts = 30, 5
    done: list[float] = []
    lock = threading.Lock()
    original = TrovoApi.followers

    def followers(api: TrovoApi, *args: Any, **kwargs: Any) -> FollowersPage:
        page = original(api, *args, **kwargs)
        with lock:
            done.append(time.time())  # wall clock: comparable across processes
        return page

    TrovoApi.followers = followers  # type: ignore[method-assign, assignment]
    pipeline = dlt.pipeline(
        f"bench_worker_{os.getpid()}",
        destination=dlt.destinations.duckdb(str(workdir / "w.duckdb")),
        dataset_name="trovo",
        pipelines_dir=str(workdir / "dlt"),
    )
    report = RunReport("trovo")
    print("ready", flush=True)
    sys.stdin.readline()
    pipeline.extract(trovo_source(config, EVER, FROZEN_AT + timedelta(days=1), report))
    result = {"requests": report.requests, "pages": report.pages, "done": done}
    result["errors"] = [str(e) for e in report.errors]
    print(json.dumps(result), flush=True)


# --- the benchmark ----------------------------------------------------------------------------


def follower_counts(config: TrovoConfig) -> dict[str, int]:
    """Each own channel's followers (the sandbox builds each list once, before any timing)."""
    counts = {}
    headers = {"Client-ID": config.client_id}
    with httpx.Client(base_url=config.base_url, headers=headers, timeout=60) as client:
        for channel in config.channel_ids:
            answer = client.post(f"/channels/{channel}/followers", json={"limit": 1})
            answer.raise_for_status()
            counts[channel] = int(answer.json()["total"])
    return counts


def pick(counts: dict[str, int], target: int) -> list[str]:
    """The smallest channels whose followers add up to ``target``: many accounts to split."""
    chosen, total = [], 0
    for channel, followers in sorted(counts.items(), key=lambda kv: kv[1]):
        chosen.append(channel)
        total += followers
        if total >= target:
            return chosen
    raise SystemExit(f"only {total} followers in the world: raise --scale")


def split(channels: list[str], counts: dict[str, int], workers: int) -> list[list[str]]:
    """Largest first, each to the worker with the fewest followers so far."""
    shares: list[list[str]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for channel in sorted(channels, key=lambda c: -counts[c]):
        lightest = loads.index(min(loads))
        shares[lightest].append(channel)
        loads[lightest] += counts[channel]
    return shares


def run(
    shares: list[list[str]], limit: int, window: float, env: dict[str, str], tmp: Path
) -> tuple[float, list[dict[str, Any]]]:
    """Start one worker per share, release them together; (start time, their results)."""
    children = []
    for n, share in enumerate(shares):
        machine = tmp / f"w{len(shares)}-{n}"
        machine.mkdir()
        child_env = {**env, "LSW_STATE_DIR": str(machine / "state")}
        args = [json.dumps(share), str(limit), str(window), str(machine)]
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "bench.workers", "--worker", *args],
                env=child_env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline() != "ready\n":
            raise SystemExit("a worker did not start")
    began = time.time()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=1800)
        if child.returncode != 0:
            raise SystemExit(f"a worker failed (exit {child.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return began, results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        share, per_window, window_s, workdir = sys.argv[2:6]
        worker(json.loads(share), int(per_window), float(window_s), Path(workdir))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=50_000, help="about 1 request per 100")
    parser.add_argument("--window", type=float, default=5.0, help="Trovo's 60 s, shortened")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--scale", type=int, default=7, help="4 own channels per unit")
    parser.add_argument("--workers", type=int, nargs="+", default=list(WORKER_COUNTS))
    args = parser.parse_args()
    limit = round(RATE_LIMIT * args.window / RATE_WINDOW_S)
    allowed = limit / args.window
    world = SandboxConfig(
        seed=7,
        scale=args.scale,
        days=30,
        frozen_at=FROZEN_AT.timestamp(),
        providers=["trovo"],
        knobs={"trovo": {"rate_limit": None}},
    )
    with (
        tempfile.TemporaryDirectory(prefix="lsw-bench-workers-") as folder,
        cluster(Path(tempfile.mkdtemp(prefix="lsw-bench-pg-"))) as server,
        SandboxProcess(world) as sandbox,
    ):
        tmp = Path(folder)
        env = {**os.environ, **sandbox.env(), "LSW_TOKEN_DIR": str(tmp / "tokens")}
        os.environ.update(sandbox.env())
        config = read_config(TrovoConfig)
        assert config is not None
        counts = follower_counts(config)
        channels = pick(counts, args.followers)
        print(
            f"sandbox: {len(channels)} Trovo channels, {sum(counts[c] for c in channels):,} "
            f"followers, {args.latency_ms:g} ms latency, one request at a time per worker; "
            f"limit {limit} per {args.window:g} s = {allowed:.0f} requests/s, shared in "
            "PostgreSQL"
        )
        print(
            "| workers | requests | seconds | overall req/s | steady req/s | steady / allowed "
            "| n x one worker's | refused |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        single = 0.0
        for workers in args.workers:
            sandbox.set_knobs(
                "trovo", rate_limit=limit, rate_window_s=args.window, latency_ms=args.latency_ms
            )
            env["LSW_STATE_URL"] = server.create_database()  # each run a fresh count
            refused_before = sandbox.stats()["trovo"]["over_limit"]
            began, results = run(split(channels, counts, workers), limit, args.window, env, tmp)
            refused = sandbox.stats()["trovo"]["over_limit"] - refused_before
            errors = [e for r in results for e in r["errors"]]
            if errors:
                raise SystemExit(f"{workers} workers: {errors[0]}")
            done = sorted(t for r in results for t in r["done"])
            requests = sum(r["requests"] for r in results)
            seconds = done[-1] - began
            gaps = [done[i] - done[i - limit] for i in range(limit, len(done))]
            steady = limit / (sum(gaps) / len(gaps)) if gaps else len(done) / seconds
            single = single or steady / workers  # the first run's rate, per worker
            print(
                f"| {workers} | {requests:,} | {seconds:.1f} | {requests / seconds:.1f} "
                f"| {steady:.1f} | {steady / allowed:.0%} | {workers * single:.1f} "
                f"| {refused} |"
            )


if __name__ == "__main__":
    main()
