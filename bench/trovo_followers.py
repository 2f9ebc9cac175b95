"""Trovo followers, the whole path, under Trovo's rate limit and with it lifted.

200,000 followers of the sandbox's own channels (each list read whole, newest first, 100 a
page) go through the source, the shared HTTP layer and its cross-process limiter (SQLite in
a temporary state directory), dlt and DuckDB, with 20 ms added to every answer:

- unlimited: no limit on either side. Measured: followers/s when the limit is not the
  bottleneck.
- limited: the sandbox enforces Trovo's 1200 requests a minute, shortened in proportion to
  200 per 10 s (``--window``) so that the run spans many windows; the client is told the
  same limit. Measured: requests/s against the allowed rate (target >= 90 %) and refused
  requests (target 0). A sliding-window limit lets the first window's 200 requests go
  at once, so the steady rate is ``limit`` over the mean time between request i and request
  i - ``limit`` (the one whose slot it waits for); the overall rate is shown too, and the
  time against the fastest any client could take (a window's worth at the unlimited pace,
  then the next when the window has passed).

Run: ``uv run python -m bench.trovo_followers [--followers 200000] [--window 10]``.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import duckdb
import httpx

from pipelines.config import read_config
from pipelines.report import RunReport
from pipelines.trovo import trovo_source
from pipelines.trovo.helpers import TrovoApi
from pipelines.trovo.schema import FollowersPage
from pipelines.trovo.settings import RATE_LIMIT, RATE_WINDOW_S, TrovoConfig
from sandbox import SandboxConfig
from sandbox.server import SandboxProcess

FROZEN_AT = datetime(2026, 11, 20, 12, tzinfo=UTC)
EVER = datetime(2019, 1, 1, tzinfo=UTC)


class Clocked:
    """When each followers page came back (the source's API object, timed)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done: list[float] = []
        self.original = TrovoApi.followers

    def __enter__(self) -> Clocked:
        clocked = self

        def followers(api: TrovoApi, *args: Any, **kwargs: Any) -> FollowersPage:
            page = clocked.original(api, *args, **kwargs)
            with clocked.lock:
                clocked.done.append(time.monotonic())
            return page

        TrovoApi.followers = followers  # type: ignore[method-assign, assignment]
        return self

    def __exit__(self, *_: object) -> None:
        TrovoApi.followers = self.original  # type: ignore[method-assign]


def pick_channels(config: TrovoConfig, target: int) -> tuple[list[str], int]:
    """The fewest own channels whose followers add up to ``target``; each one's list asked
    for once, so the sandbox has built it before anything is timed."""
    chosen, total = [], 0
    headers = {"Client-ID": config.client_id}
    with httpx.Client(base_url=config.base_url, headers=headers, timeout=60) as client:
        for channel in config.channel_ids:
            answer = client.post(f"/channels/{channel}/followers", json={"limit": 1})
            answer.raise_for_status()
            chosen.append(channel)
            total += int(answer.json()["total"])
            if total >= target:
                return chosen, total
    raise SystemExit(f"only {total} followers in the world: raise the sandbox's scale")


def run(label: str, config: TrovoConfig, sandbox: SandboxProcess, workdir: Path) -> dict[str, Any]:
    database = workdir / f"{label}.duckdb"
    pipeline = dlt.pipeline(
        f"bench_{label}",
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name="trovo",
        pipelines_dir=str(workdir / "dlt"),
    )
    report = RunReport("trovo")
    served_before = sandbox.stats()["trovo"]["requests"]
    source = trovo_source(config, EVER, FROZEN_AT + timedelta(days=1), report)
    with Clocked() as clock:
        began = time.monotonic()
        pipeline.run(source, loader_file_format="parquet")
        seconds = time.monotonic() - began
    served = sandbox.stats()["trovo"]["requests"] - served_before
    with duckdb.connect(str(database), read_only=True) as con:
        loaded = con.execute("select count(*) from trovo.followers").fetchall()[0][0]
    if report.errors or loaded != report.rows:
        raise SystemExit(f"{label}: {report.summary()} but {loaded} rows in DuckDB")
    trace = pipeline.last_trace
    assert trace is not None
    steps = " ".join(
        f"{step.step} {(step.finished_at - step.started_at).total_seconds():.1f}s"
        for step in trace.steps
        if step.step in ("extract", "normalize", "load") and step.finished_at
    )
    return {
        "label": label,
        "followers": loaded,
        "pages": report.pages,
        "requests": report.requests,
        "refused": served - report.pages,
        "seconds": seconds,
        "done": sorted(clock.done),
        "steps": steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=200_000)
    parser.add_argument("--window", type=float, default=10.0, help="Trovo's 60 s, shortened")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=4, help="channels paged at once")
    parser.add_argument("--scale", type=int, default=7, help="4 own channels per unit")
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
    with SandboxProcess(world) as sandbox, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(sandbox.env())
        os.environ["LSW_STATE_DIR"] = str(Path(tmp) / "state")  # the shared limiter's file
        config = read_config(TrovoConfig)
        assert config is not None
        config.channel_ids, total = pick_channels(config, args.followers)
        config.concurrency = args.concurrency
        config.timeout_s, config.max_attempts = 30, 5
        print(
            f"sandbox: {len(config.channel_ids)} channels, {total:,} followers, "
            f"{args.latency_ms:g} ms latency, concurrency {args.concurrency}"
        )

        sandbox.set_knobs("trovo", rate_limit=None, latency_ms=args.latency_ms)
        config.rate_limit = None
        free = run("unlimited", config, sandbox, Path(tmp))
        free_rate = free["requests"] / free["seconds"]
        print(
            f"unlimited  {free['followers']:>8,} followers {free['requests']:>6,} requests "
            f"({free['refused']} refused) {free['seconds']:7.1f} s ({free['steps']})"
        )
        print(
            f"           {free['followers'] / free['seconds']:,.0f} followers/s, "
            f"{free_rate:.0f} requests/s"
        )

        sandbox.set_knobs(
            "trovo", rate_limit=limit, rate_window_s=args.window, latency_ms=args.latency_ms
        )
        config.rate_limit, config.rate_window_s = limit, args.window
        limited = run("limited", config, sandbox, Path(tmp))
        done = limited["done"]
        # each request beyond the first window waits for the one `limit` before it to leave
        # the window: the steady rate is `limit` over the mean of those gaps
        gaps = [done[i] - done[i - limit] for i in range(limit, len(done))]
        steady = limit / (sum(gaps) / len(gaps)) if gaps else 0.0
        overall = limited["requests"] / limited["seconds"]
        # the fastest any client could go: a window's worth at once, as fast as unlimited,
        # then the next window's when the first has passed
        windows = math.ceil(limited["requests"] / limit)
        last = limited["requests"] - (windows - 1) * limit
        best = (windows - 1) * args.window + last / free_rate
        print(
            f"limited    {limited['followers']:>8,} followers {limited['requests']:>6,} requests "
            f"({limited['pages']:,} pages, {limited['refused']} refused) "
            f"{limited['seconds']:7.1f} s ({limited['steps']})"
        )
        print(
            f"           limit {limit} per {args.window:g} s = {allowed:.1f} requests/s; steady "
            f"{steady:.2f} requests/s = {steady / allowed:.1%} of it; overall "
            f"{overall:.2f} requests/s; fastest possible {best:.1f} s, took "
            f"{limited['seconds']:.1f} s ({best / limited['seconds']:.1%})"
        )
    ok = limited["refused"] == 0 and steady >= 0.9 * allowed
    print(f"steady rate {steady / allowed:.1%} of the limit, {limited['refused']} refused: "
          f"{'ok' if ok else 'MISSED'} (target >= 90 %, 0 refused)")  # fmt: skip


if __name__ == "__main__":
    main()
