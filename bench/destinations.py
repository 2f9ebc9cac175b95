"""The same 30-day backfill of all five providers into DuckDB and into PostgreSQL.

Each run loads a fresh sandbox world (its own process, the same seed) through the product's
own pieces: ``Warehouse.pipeline`` and ``dlt_run.load`` for each provider's history and
snapshot (the file format lsw picks for the destination), then the marts of the 30 days in
one window through ``rebuild`` (dagster_project/defs/marts/assets.py) on the destination's
store. PostgreSQL is a throwaway local server (tests/postgres.py, fsync off), so the figures
are the destination's work, not a network's.

Runs, side by side:

- **duckdb**: the default, parquet loads, marts through DuckDB's own connection;
- **postgres csv**: what lsw does on PostgreSQL (csv through COPY), marts through dlt's
  dataset interface;
- **postgres insert_values**: dlt's default format for PostgreSQL, for comparison;
- **duckdb via dlt**: the DuckDB file's marts through the dataset interface instead of the
  direct connection (what the fast path saves).

Printed: extract, load and marts seconds of each (a warm-up round, then the measured one)
and the ratios to DuckDB; the marts of all runs are compared row for row.

Run: ``nice -n 10 uv run python -m bench.destinations [--days 30] [--scale 1] [--rounds 2]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import psycopg2

from bench.window_sources import window_sources
from sandbox import SandboxConfig
from sandbox.server import SandboxProcess
from tests.postgres import cluster

FROZEN_AT = datetime(2026, 11, 20, 12, tzinfo=UTC)
MARTS = ["fct_sessions", "gmv_daily", "engagement_daily", "product_performance", "followers_daily"]
Timings = dict[str, float]


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def timed(extract: Callable[..., object], spent: Timings) -> Callable[..., object]:
    """``extract``, adding its seconds to ``spent["extract"]``."""

    def run(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return extract(*args, **kwargs)
        finally:
            spent["extract"] += time.perf_counter() - started

    return run


def load_all(
    world: SandboxConfig, folder: Path, env: dict[str, str], lo: datetime, hi: datetime
) -> Timings:
    """Every provider's history of [lo, hi) and its snapshot, loaded as lsw loads them."""
    from dagster_project.dlt_run import load
    from dagster_project.resources import Warehouse
    from warehouse import paths

    spent = {"extract": 0.0, "load": 0.0}
    with (
        SandboxProcess(world) as sandbox,
        environment(
            {
                **sandbox.env(),
                **env,
                "LSW_WAREHOUSE": str(folder / "warehouse.duckdb"),
                "LSW_TOKEN_DIR": str(folder / "tokens"),
                "LSW_STATE_DIR": str(folder / ".lsw"),
            }
        ),
    ):
        paths.prepare()
        warehouse = Warehouse()
        for provider, n, source in window_sources(lo, hi):
            pipeline = warehouse.pipeline(provider, f"bench{n}")
            pipeline.extract = timed(pipeline.extract, spent)  # type: ignore[method-assign,assignment]
            started = time.perf_counter()
            load(warehouse, pipeline, source, lambda: None)
            spent["load"] += time.perf_counter() - started
        spent["load"] -= spent["extract"]  # load() extracts too: keep the destination's part
    return spent


def marts(folder: Path, env: dict[str, str], lo: datetime, hi: datetime, via_dlt: bool) -> float:
    """The window's marts through ``rebuild``, on the destination's store (or, for DuckDB
    ``via_dlt``, through the dataset interface instead of the direct connection)."""
    from dagster_project.defs.marts.assets import rebuild
    from dagster_project.resources import Warehouse
    from warehouse import destination
    from warehouse.store import DltStore, open_store

    with environment(
        {
            **env,
            "LSW_WAREHOUSE": str(folder / "warehouse.duckdb"),
            "LSW_STATE_DIR": str(folder / ".lsw"),
        }
    ):
        warehouse = Warehouse()
        started = time.perf_counter()
        if via_dlt:
            target = destination.reference(warehouse.file)
            store = DltStore(target, lambda name: warehouse.pipeline(name, "bench-marts"))
            with store.opened():
                rebuild(store, lo, hi)
        else:
            with open_store(
                warehouse.file, lambda name: warehouse.pipeline(name, "bench-marts")
            ) as s:
                rebuild(s, lo, hi)
        return time.perf_counter() - started


def duckdb_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(path), read_only=True) as db:
        return {t: sorted(db.sql(f"select * from marts.{t}").fetchall(), key=repr) for t in MARTS}


def postgres_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    con = psycopg2.connect(url)
    try:
        found = {}
        with con.cursor() as cur:
            for table in MARTS:
                cur.execute(f"select * from marts.{table}")
                found[table] = sorted(cur.fetchall(), key=repr)
        return found
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.destinations")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2, help="the last one is reported")
    args = parser.parse_args()
    from warehouse import destination

    # the sandbox's clock frozen, as in the tests: every run meets the same world (with a
    # running clock, sessions live during one run have other figures in the next)
    lo, hi = FROZEN_AT.replace(hour=0) - timedelta(days=args.days), FROZEN_AT.replace(hour=0)
    world = SandboxConfig(scale=args.scale, days=args.days + 1, frozen_at=FROZEN_AT.timestamp())
    results: dict[str, tuple[Timings, float]] = {}
    rows = {}
    server_folder = Path(tempfile.mkdtemp(prefix="lsw-pg-"))  # the server's user must reach it
    with tempfile.TemporaryDirectory() as tmp, cluster(server_folder) as server:
        # a warm-up round first (its figures are printed, not compared): the first load of a
        # process pays for lazy imports and cold caches, whichever destination it is
        for round_ in [*(f"warm-up{n}" for n in range(args.rounds - 1)), "measured"]:
            for run in ("duckdb", "postgres csv", "postgres insert_values"):
                folder = Path(tmp) / round_ / run.replace(" ", "_")
                folder.mkdir(parents=True)
                env = {"LSW_DESTINATION": "duckdb"}
                if run.startswith("postgres"):
                    url = server.create_database().replace("lsw@", "lsw:bench@")
                    env = {"LSW_DESTINATION": "postgres", "DESTINATION__POSTGRES__CREDENTIALS": url}
                    destination.FORMATS["postgres"] = run.split()[1]
                spent = load_all(world, folder, env, lo, hi)
                took = marts(folder, env, lo, hi, via_dlt=False)
                results[run] = (spent, took)
                rows[run] = (
                    postgres_rows(url)
                    if run.startswith("postgres")
                    else duckdb_rows(folder / "warehouse.duckdb")
                )
                print(f"{round_} {run}: {spent} marts {took:.2f} s", flush=True)
        duck_folder = Path(tmp) / "measured" / "duckdb"
        via = marts(duck_folder, {"LSW_DESTINATION": "duckdb"}, lo, hi, via_dlt=True)
        rows["duckdb via dlt"] = duckdb_rows(duck_folder / "warehouse.duckdb")
    sessions = len(rows["duckdb"]["fct_sessions"])
    same = all(rows[run] == rows["duckdb"] for run in rows)
    for run, found in rows.items():
        for table in MARTS:
            if found[table] != rows["duckdb"][table]:
                ours, base = set(found[table]), set(rows["duckdb"][table])
                print(
                    f"{run}: {table}: {len(ours - base)} rows not in DuckDB's, "
                    f"{len(base - ours)} missing"
                )
    print(
        f"\n{args.days} days, scale {args.scale}: {sessions:,} sessions; "
        f"marts identical in every run: {same}"
    )
    base_load, base_marts = results["duckdb"][0]["load"], results["duckdb"][1]
    print(
        f"{'run':<24} {'extract s':>10} {'load s':>8} {'marts s':>8} {'load x':>7} {'marts x':>8}"
    )
    for run, (spent, took) in results.items():
        print(
            f"{run:<24} {spent['extract']:>10.1f} {spent['load']:>8.2f} {took:>8.2f} "
            f"{spent['load'] / base_load:>7.2f} {took / base_marts:>8.2f}"
        )
    print(
        f"{'duckdb marts via dlt':<24} {'':>10} {'':>8} {via:>8.2f} {'':>7} "
        f"{via / base_marts:>8.2f}"
    )


if __name__ == "__main__":
    main()
