"""Shopee fan-out: the same 200 sessions read one call at a time, then a few sessions at once.

Shopee has no list endpoint, so a run reads every configured session's detail and, for the
sessions of its window, the metric, the item metric pages and the item list pages: several
calls per session, each a round trip. With a provider 50 ms away (the sandbox's
``latency_ms``, in its own process) time goes to latency, and the fan-out should bring the
wall time close to the ideal: requests / concurrency x latency.

Run: ``uv run python -m bench.shopee_fanout [--sessions 200] [--concurrency 8]
[--latency-ms 50]``. Both runs go through the whole source (signing, token store, paging,
validation, rows) into ``pipeline.extract``. Shopee refresh tokens work once, so both runs
share one token store, warmed before either is timed: neither refreshes.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import dlt

from pipelines.config import read_config
from pipelines.report import RunReport
from pipelines.shopee import shopee_source
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.settings import ShopeeConfig
from pipelines.tokens import FileTokenStore
from sandbox import SandboxConfig
from sandbox.server import SandboxProcess

FROZEN_AT = datetime(2026, 11, 20, 12, tzinfo=UTC)
# every session of the world is in this window: each costs its detail and the rest
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def run(
    label: str, config: ShopeeConfig, store: FileTokenStore, workdir: Path
) -> tuple[float, RunReport]:
    pipeline = dlt.pipeline(
        f"bench_shopee_{label}",
        destination=dlt.destinations.duckdb(str(workdir / f"{label}.duckdb")),
        dataset_name="shopee",
        pipelines_dir=str(workdir / "dlt"),
    )
    report = RunReport("shopee")
    source = shopee_source(config, *WINDOW, report, store=store)
    began = time.perf_counter()
    pipeline.extract(source)
    seconds = time.perf_counter() - began
    if report.errors or report.warnings:
        raise SystemExit(f"{label}: {report.summary()} {report.warnings}")
    return seconds, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8, help="sessions read at once")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    world = SandboxConfig(
        seed=7,
        scale=1,
        days=30,
        frozen_at=FROZEN_AT.timestamp(),
        providers=["shopee"],
        knobs={"shopee": {"latency_ms": args.latency_ms}},
    )
    with SandboxProcess(world) as sandbox, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(sandbox.env())
        listed = json.loads(os.environ["SOURCES__SHOPEE__SESSIONS"])
        if len(listed) < args.sessions:
            raise SystemExit(f"the sandbox lists {len(listed)} sessions, fewer than asked")
        os.environ["SOURCES__SHOPEE__SESSIONS"] = json.dumps(listed[: args.sessions])
        # sign by the sandbox's frozen clock
        os.environ["SOURCES__SHOPEE__CLOCK_OFFSET_S"] = str(FROZEN_AT.timestamp() - time.time())
        config = read_config(ShopeeConfig)
        assert config is not None
        store = FileTokenStore(Path(tmp) / "tokens")
        with ShopeeApi(config, store=store) as api:  # every account's token, before timing
            for account in config.account_list():
                api.keeper(account.user_id).access_token()
        latency = args.latency_ms / 1000
        print(
            f"sandbox: {args.sessions} sessions of 8 accounts, {args.latency_ms:g} ms a "
            "request (its own process)"
        )
        results = {}
        for label, concurrency in (("sequential", 1), ("fan_out", args.concurrency)):
            config.concurrency = concurrency
            seconds, report = run(label, config, store, Path(tmp))
            ideal = report.requests / concurrency * latency
            results[label] = seconds
            print(
                f"{label:10s} concurrency {concurrency:>2}: {report.requests} requests "
                f"({report.rows:,} rows) in {seconds:6.2f} s; ideal "
                f"{report.requests} / {concurrency} x {latency:g} s = {ideal:5.2f} s; "
                f"{seconds / ideal:.2f}x the ideal"
            )
    print(f"speed-up fan_out/sequential: {results['sequential'] / results['fan_out']:.1f}x")


if __name__ == "__main__":
    main()
