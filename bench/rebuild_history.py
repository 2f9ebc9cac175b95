"""One day's marts rebuilt on a warehouse holding one year, then three years, of history.

A morning rebuild must not cost more every day the product runs. The history is made
fast, not through the APIs: five days of all five providers are loaded from the sandbox by
``lsw``'s own run (lsw/runner.py), then copied back in time, five days at a time, with
fresh ids (``~k`` on text ids, an offset on Shopee's numeric ones), to fill one or three
years, oldest first (as a backfill and then daily runs insert them). Trovo's channel
snapshots are the point-in-time input that grows: four channels snapshotted every 5
minutes (1,152 rows a day), each streaming 4 hours a day.

For each warehouse the last day's marts are rebuilt as the marts asset builds them
(``rebuild`` in dagster_project/defs/marts/assets.py), five times; printed: the median
time, the rows read of every raw table (inputs.read_hooks) and the ratio.
Target: three years within 1.2x of one year.

Run: ``nice -n 10 uv run python -m bench.rebuild_history [--repeat 5] [--keep DIR [--reuse]]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from sandbox import SandboxConfig
from sandbox.server import SandboxProcess

FROZEN_AT = datetime(2026, 11, 20, 12, tzinfo=UTC)
LAST = date(2026, 11, 19)
SPAN = 5  # days loaded from the sandbox, then copied back in time
EPOCH_COLUMNS = {
    "session_start",
    "start_time",
    "end_time",
    "create_time",
    "update_time",
    "finish_time",
    "campaign_start_time",
    "campaign_end_time",
}
TEXT_IDS = {"room_id", "livestream_id", "stream_id", "show_id", "_dlt_id"}
TEXT_IDS_OF = {("lisa", "shows"): {"id"}, ("trovo", "followers"): {"user_id"}}
NUMBER_IDS = {"session_id"}


def load_base(folder: Path) -> Path:
    """Five days of every provider, loaded by one lsw run from the sandbox."""
    from lsw.runner import materialize
    from pipelines.registry import SPECS
    from warehouse import paths

    world = SandboxConfig(days=SPAN + 5, frozen_at=FROZEN_AT.timestamp())
    with SandboxProcess(world) as sandbox:
        os.environ.update(sandbox.env())
        os.environ["LSW_WAREHOUSE"] = str(folder / "warehouse.duckdb")
        os.environ["LSW_TOKEN_DIR"] = str(folder / "tokens")  # the sandbox's, not the user's
        paths.prepare()
        outcome = materialize(list(SPECS), LAST - timedelta(days=SPAN - 1), LAST)
        assert outcome.ok, outcome.failures
    return folder / "warehouse.duckdb"


def _copy_sql(con: duckdb.DuckDBPyConnection, schema: str, table: str, copies: int) -> str:
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    text_ids = TEXT_IDS | TEXT_IDS_OF.get((schema, table.removesuffix("_incomplete")), set())
    exprs = []
    for name, kind in columns:
        column = f'"{name}"'
        if kind.startswith("TIMESTAMP"):
            exprs.append(f"{column} - to_days(k * {SPAN})")
        elif name in EPOCH_COLUMNS and kind == "BIGINT":
            exprs.append(f"{column} - k * {SPAN * 86_400}")
        elif name in NUMBER_IDS and kind == "BIGINT":
            exprs.append(f"{column} + k * 1000000000000")
        elif name in text_ids and kind == "VARCHAR":
            exprs.append(f"{column} || '~' || k")
        else:
            exprs.append(column)
    return (
        f'insert into {schema}."{table}" select {", ".join(exprs)} '
        f'from {schema}."{table}" cross join range(1, {copies}) r(k) order by k desc'
    )


def snapshots_sql(channels: list[str], first: date, days: int) -> str:
    """Every 5 minutes, per channel, the latest stream: live for 4 hours from its start."""
    t0 = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
    ids = ", ".join(f"'{c}'" for c in channels)
    return f"""
        insert into trovo.channel_snapshots by name
        with c as (select unnest([{ids}]) as channel_id, generate_subscripts([{ids}], 1) as n),
        t as (
            select channel_id, {t0} + i * 300 as t, n * 14400 + 3600 as off from c,
                   range({days * 288}) r(i)),
        s as (select *, (t - off) // 86400 * 86400 + off as st from t order by t)
        select channel_id, to_timestamp(t) as observed_at, t < st + 14400 as is_live,
               'Stream of ' || channel_id as live_title, (hash(t) % 900)::bigint
                   as current_viewers, (1000 + (t - {t0}) // 3600)::bigint as followers,
               to_timestamp(st) as started_at,
               to_timestamp(case when t < st + 14400 then st - 86400 + 14400
                                 else st + 14400 end) as ended_at
        from s where t >= st"""


def build_history(base: Path, target: Path, years: int) -> dict[str, int]:
    """``base`` copied to ``target`` and filled back to ``years`` of history."""
    from pipelines.figures import INCOMPLETE_SUFFIX
    from pipelines.registry import SPECS

    shutil.copy(base, target)
    copies = years * 365 // SPAN
    days = copies * SPAN
    with duckdb.connect(str(target)) as con:
        channels = [
            c for (c,) in con.execute("select distinct channel_id from trovo.followers").fetchall()
        ][:4]
        con.execute("delete from trovo.channel_snapshots")
        for spec in SPECS.values():
            for table in spec.raw_tables:
                if table.name == "channel_snapshots":
                    continue
                for name in (table.name, table.name + INCOMPLETE_SUFFIX):
                    found = con.execute(
                        "select 1 from information_schema.tables "
                        "where table_schema = ? and table_name = ?",
                        [spec.name, name],
                    ).fetchall()
                    if found:
                        con.execute(_copy_sql(con, spec.name, name, copies))
        con.execute(snapshots_sql(channels, LAST - timedelta(days=days - 1), days))
        counted = {}
        for spec in SPECS.values():
            for table in spec.raw_tables:
                sql = f'select count(*) from {spec.name}."{table.name}"'
                counted[f"{spec.name}.{table.name}"] = con.execute(sql).fetchone()[0]  # type: ignore[index]
    return counted


def rows_read(path: Path) -> dict[str, int]:
    """The rows a rebuild of LAST reads of each raw table (inputs.read_hooks)."""
    from dagster_project.defs.marts import inputs
    from dagster_project.defs.marts.assets import rebuild
    from warehouse.store import DuckStore

    lo = datetime(LAST.year, LAST.month, LAST.day, tzinfo=UTC)
    reads: dict[str, int] = {}
    with duckdb.connect(str(path)) as con:
        inputs.read_hooks.append(lambda s, t, n: reads.__setitem__(f"{s}.{t}", n))
        try:
            rebuild(DuckStore(con), lo, lo + timedelta(days=1))
        finally:
            inputs.read_hooks.clear()
    return reads


def rebuild_once(path: Path) -> float:
    """Seconds to rebuild LAST's marts (the hook's count queries are not part of it)."""
    from dagster_project.defs.marts.assets import rebuild
    from warehouse.store import DuckStore

    lo = datetime(LAST.year, LAST.month, LAST.day, tzinfo=UTC)
    with duckdb.connect(str(path)) as con:
        rebuild(DuckStore(con), lo, lo + timedelta(days=1))  # warm: the file's pages in memory
        started = time.perf_counter()
        rebuild(DuckStore(con), lo, lo + timedelta(days=1))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild_history")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", help="directory to keep the warehouses in")
    parser.add_argument(
        "--reuse", action="store_true", help="rebuild on the warehouses --keep holds already"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(args.keep or scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        targets = {years: tmp / f"history{years}.duckdb" for years in (1, 3)}
        if not (args.reuse and all(t.exists() for t in targets.values())):
            base = load_base(tmp)
            for years, target in targets.items():
                started = time.perf_counter()
                held = build_history(base, target, years)
                made = time.perf_counter() - started
                print(f"{years} year(s) of history (made in {made:.1f} s): {sum(held.values()):,}")
        for years, target in targets.items():
            held = counts(target)
            reads = rows_read(target)
            print(f"{years} year(s) of history: {sum(held.values()):,} raw rows")
            for table, rows in sorted(held.items()):
                print(f"    {table:<32} holds {rows:>10,}  read {reads.get(table, 0):>7,}")
        # alternated, so the machine's drifting load falls on both alike
        times: dict[int, list[float]] = {1: [], 3: []}
        for _ in range(args.repeat):
            for years, target in targets.items():
                times[years].append(rebuild_once(target))
        medians = {years: statistics.median(runs) for years, runs in times.items()}
        fastest = {years: min(runs) for years, runs in times.items()}
        for years, runs in times.items():
            shown = ", ".join(f"{t * 1000:.0f}" for t in runs)
            print(
                f"rebuild of {LAST}, {years} year(s): median {medians[years] * 1000:.0f} ms, "
                f"fastest {fastest[years] * 1000:.0f} ms ({shown})"
            )
    print(
        f"ratio three years / one year: median {medians[3] / medians[1]:.2f}x, fastest "
        f"{fastest[3] / fastest[1]:.2f}x (target <= 1.2x; load average {os.getloadavg()[0]:.1f})"
    )


def counts(path: Path) -> dict[str, int]:
    from pipelines.registry import SPECS

    found: dict[str, int] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for spec in SPECS.values():
            for table in spec.raw_tables:
                sql = f'select count(*) from {spec.name}."{table.name}"'
                found[f"{spec.name}.{table.name}"] = con.execute(sql).fetchone()[0]  # type: ignore[index]
    return found


if __name__ == "__main__":
    main()
