"""TikTok Shop, the whole path: sandbox on loopback -> dlt -> DuckDB, ours against dlt's default.

Both runs page the same KeyAPI sandbox (its own process, zero added latency) through the same
source and HTTP layer, in one process run, one after the other:

- ours: the source hands dlt arrow tables, loaded as parquet;
- dlt default: the source hands dlt plain dicts and the pipeline keeps dlt's default loader
  file format for DuckDB (``insert_values``), what a straightforward dlt source gets.

Run: ``uv run python -m bench.tiktok_load [--scale 25] [--days 365]``. The last line is the
ratio. Ratios, not seconds, are what to compare across these noisy machines.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import duckdb
import httpx

from pipelines.config import read_config
from pipelines.report import RunReport
from pipelines.tiktok_shop import tiktok_shop_source
from pipelines.tiktok_shop.settings import ANALYTICS_PATH, TikTokShopConfig
from sandbox import SandboxConfig
from sandbox.server import SandboxProcess

FROZEN_AT = datetime(2026, 11, 20, 12, tzinfo=UTC)


def run(label: str, config: TikTokShopConfig, days: int, workdir: Path, ours: bool) -> float:
    start, end = FROZEN_AT - timedelta(days=days + 1), FROZEN_AT
    database = workdir / f"{label}.duckdb"
    pipeline = dlt.pipeline(
        f"bench_{label}",
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name="tiktok_shop",
        pipelines_dir=str(workdir / "dlt"),
    )
    report = RunReport("tiktok_shop")
    source = tiktok_shop_source(config, start, end, report, as_arrow=ours)
    began = time.perf_counter()
    if ours:
        pipeline.run(source, loader_file_format="parquet")
    else:
        pipeline.run(source)
    seconds = time.perf_counter() - began
    with duckdb.connect(str(database), read_only=True) as con:
        loaded = con.execute("select count(*) from tiktok_shop.livestreams").fetchall()[0][0]
    if report.errors or loaded != report.rows:
        raise SystemExit(f"{label}: {report.summary()} but {loaded} rows in DuckDB")
    rate = loaded / seconds
    trace = pipeline.last_trace
    assert trace is not None
    steps = " ".join(
        f"{step.step} {(step.finished_at - step.started_at).total_seconds():.1f}s"
        for step in trace.steps
        if step.step in ("extract", "normalize", "load") and step.finished_at
    )
    print(
        f"{label:12s} {loaded:>8,} records {report.requests:>7,} requests "
        f"{seconds:7.2f} s {rate:>10,.0f} records/s  ({steps})"
    )
    return rate


def warm_up(config: TikTokShopConfig) -> None:
    """Have the sandbox build every seller's year before timing: it must not be what is measured
    (and whichever run came first would otherwise pay for it)."""
    with httpx.Client(headers={"Authorization": f"Bearer {config.api_key}"}) as client:
        for seller in config.seller_ids:
            client.get(
                f"{config.base_url}{ANALYTICS_PATH}",
                params={"seller_id": seller, "page_num": 1, "page_size": 10},
            ).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=25, help="4 sellers per unit")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--concurrency", type=int, default=4, help="sellers paged at once")
    args = parser.parse_args()
    world = SandboxConfig(
        seed=7,
        scale=args.scale,
        days=args.days,
        frozen_at=FROZEN_AT.timestamp(),
        providers=["tiktok_shop"],
    )
    with SandboxProcess(world) as sandbox, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(sandbox.env())
        config = read_config(TikTokShopConfig)
        assert config is not None
        config.max_credits_per_run = 10**9
        config.concurrency = args.concurrency
        config.timeout_s, config.max_attempts = 30, 3
        warm_up(config)
        print(
            f"sandbox: {len(config.seller_ids)} sellers, {args.days} days, "
            f"concurrency {args.concurrency}"
        )
        ours = run("ours", config, args.days, Path(tmp), ours=True)
        default = run("dlt_default", config, args.days, Path(tmp), ours=False)
    print(f"ratio ours/dlt_default: {ours / default:.1f}x")


if __name__ == "__main__":
    main()
