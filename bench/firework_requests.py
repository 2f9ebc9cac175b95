"""Firework: requests a year's backfill and the runs after it cost, with and without the
state that says which livestreams cannot have changed.

Firework has no list endpoint, so a run reads livestream details by configured id; at
sandbox scale 25 a 365-day world configures about 78,000. ``lsw run`` loads the history and
takes a status snapshot, and the snapshot schedule takes one every five minutes. Each figure
is the sandbox's count of requests for the same work:

- state carried: one warehouse, as a user has it: livestreams already placed on another day
  are not read by a history run, livestreams seen ended are not read by a snapshot.
- no state: a fresh warehouse for every run, which reads every configured id every time
  (what every run did before the state was kept).

Passes: the 365-day backfill and its snapshot, then the next day's run and its snapshot,
then two more snapshots five minutes apart (without state, one snapshot is measured: each
reads every configured id).

Run: ``uv run python -m bench.firework_requests [--scale 25] [--days 365]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import httpx
from dlt.sources import DltSource

from pipelines.config import read_config
from pipelines.firework import FireworkConfig, firework_snapshot, firework_source
from pipelines.report import RunReport
from pipelines.tokens import FileTokenStore
from sandbox import SandboxConfig
from sandbox.server import SandboxProcess

FROZEN_AT = datetime(2026, 11, 20, 12, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.firework_requests")
    parser.add_argument("--scale", type=int, default=25)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    logging.getLogger("lsw").setLevel(logging.ERROR)  # the deleted id's warning, every run
    world = SandboxConfig(
        seed=7,
        scale=args.scale,
        days=args.days,
        frozen_at=FROZEN_AT.timestamp(),
        providers=["firework"],
    )
    with SandboxProcess(world) as sandbox, tempfile.TemporaryDirectory() as tmp:
        # a year at scale 25 lists ~78,000 ids: more than the admin client's 10 s on a busy host
        os.environ.update(httpx.get(f"{sandbox.url}/_admin/env", timeout=300).json())
        config = read_config(FireworkConfig)
        assert config is not None
        config.concurrency = args.concurrency
        store = FileTokenStore(Path(tmp) / "tokens")
        clock = [FROZEN_AT.timestamp()]
        print(f"sandbox: scale {args.scale}, {len(config.ids()):,} livestreams configured")

        def spent(label: str, pipeline: dlt.Pipeline, source: Callable[[], DltSource]) -> int:
            before = sandbox.stats()["firework"]["requests"]
            began = time.perf_counter()
            pipeline.run(source(), loader_file_format="parquet")
            used = int(sandbox.stats()["firework"]["requests"] - before)
            print(f"  {label:<34} {used:>8,} requests {time.perf_counter() - began:6.1f} s")
            return used

        def history(start: datetime, end: datetime) -> Callable[[], DltSource]:
            now = lambda: clock[0]  # noqa: E731
            return lambda: firework_source(config, start, end, RunReport("firework"), now, store)

        def snapshot() -> DltSource:
            return firework_snapshot(config, RunReport("firework"), lambda: clock[0], store)

        def pipeline(name: str) -> dlt.Pipeline:
            return dlt.pipeline(
                name,
                destination=dlt.destinations.duckdb(str(Path(tmp) / f"{name}.duckdb")),
                dataset_name="firework",
                pipelines_dir=str(Path(tmp) / "dlt"),
            )

        today = datetime(FROZEN_AT.year, FROZEN_AT.month, FROZEN_AT.day, tzinfo=UTC)
        first = today - timedelta(days=args.days - 1)
        carried = pipeline("carried")
        print("state carried (one warehouse):")
        backfill = spent("backfill 365 days: history", carried, history(first, today))
        backfill += spent("backfill 365 days: snapshot", carried, snapshot)
        clock[0] += 86_400
        sandbox.advance_clock(86_400)
        nxt = today + timedelta(days=1)
        kept = [
            spent("next day: history", carried, history(nxt, nxt + timedelta(days=1))),
            spent("next day: snapshot", carried, snapshot),
        ]
        for n in (1, 2):
            clock[0] += 300
            sandbox.advance_clock(300)
            kept.append(spent(f"snapshot +{5 * n} min", carried, snapshot))
        print("no state (a fresh warehouse each run, as before):")
        fresh = [
            spent("next day: history", pipeline("f1"), history(nxt, nxt + timedelta(days=1))),
            spent("snapshot", pipeline("f2"), snapshot),
        ]
        fresh += [fresh[1], fresh[1]]  # every later snapshot reads every id alike
        print(
            f"backfill (history + snapshot, both ways alike: every id read once each): "
            f"{backfill:,} requests"
        )
        print(
            f"after it, 4 runs: {sum(kept):,} requests with state vs {sum(fresh):,} without "
            f"({sum(fresh) / max(1, sum(kept)):.0f}x fewer)"
        )


if __name__ == "__main__":
    main()
