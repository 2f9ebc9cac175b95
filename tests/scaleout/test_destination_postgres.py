"""`lsw run` into PostgreSQL (a real throwaway server) gives the marts it gives into DuckDB.

The CLI runs as a process, as users run it, against the sandbox; the destination is chosen
with ``LSW_DESTINATION`` and dlt's own ``DESTINATION__POSTGRES__CREDENTIALS``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import psycopg2
import pytest
from typer.testing import CliRunner

from dagster_project.defs.marts import inputs
from lsw.cli import app
from lsw.runner import materialize
from pipelines.registry import SPECS
from tests.dagster_project.test_window_reads import _expected_reads

LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]
DAY = date(2026, 11, 19)
DAYS = ["--start", DAY.isoformat(), "--end", DAY.isoformat()]
MARTS = [
    "dim_fx_rates",
    "fct_sessions",
    "gmv_daily",
    "engagement_daily",
    "product_performance",
    "followers_daily",
]
Rows = dict[str, tuple[list[str], list[tuple[object, ...]]]]


def _lsw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LSW, *args, "--quiet"], capture_output=True, text=True, timeout=100, check=False
    )


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    command = [*LSW, "run", *DAYS, "--quiet"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _with_password(url: str, password: str) -> str:
    """dlt asks a PostgreSQL URL for a password; the test server trusts loopback, so any."""
    return url.replace("postgresql://lsw@", f"postgresql://lsw:{password}@")


def _sorted(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return sorted(rows, key=repr)


def _duckdb_marts(path: Path) -> Rows:
    with duckdb.connect(str(path), read_only=True) as db:
        found = {}
        for table in MARTS:
            relation = db.sql(f"select * from marts.{table}")
            found[table] = (relation.columns, _sorted(relation.fetchall()))
        return found


def _postgres_marts(url: str) -> Rows:
    con = psycopg2.connect(url)
    try:
        found = {}
        with con.cursor() as cur:
            for table in MARTS:
                cur.execute(f"select * from marts.{table}")
                columns = [d.name for d in cur.description or []]
                found[table] = (columns, _sorted(cur.fetchall()))
        return found
    finally:
        con.close()


@pytest.mark.timeout(300)  # two `lsw run`s at once; a loaded machine doubles them
@pytest.mark.usefixtures("sandbox")
def test_run_into_postgres_gives_the_duckdb_marts_and_a_rerun_changes_nothing(
    warehouse: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _with_password(postgres_url, "any-password")
    elsewhere = warehouse.with_name("postgres-run") / "unused.duckdb"
    postgres = os.environ | {
        "LSW_DESTINATION": "postgres",
        "DESTINATION__POSTGRES__CREDENTIALS": url,
        "LSW_WAREHOUSE": str(elsewhere),
        "LSW_STATE_DIR": str(elsewhere.parent / ".lsw"),
        "DAGSTER_HOME": str(elsewhere.parent / ".lsw" / "dagster"),
    }
    runs = [_start(dict(os.environ)), _start(postgres)]  # at once: DuckDB and PostgreSQL
    for run in runs:
        _, stderr = run.communicate(timeout=100)
        assert run.returncode == 0, stderr
    in_duckdb = _duckdb_marts(warehouse)
    assert all(rows for _, rows in in_duckdb.values())
    assert {row[0] for row in in_duckdb["fct_sessions"][1]} == set(SPECS)
    in_postgres = _postgres_marts(url)
    for table in MARTS:
        assert in_postgres[table] == in_duckdb[table], table
    assert not elsewhere.exists()  # nothing of the warehouse went to a DuckDB file

    # the day's marts again, in this process: the same rows, none added, and the day's
    # rows of every raw table read, no more (counted in the DuckDB warehouse of the same data)
    for key, value in postgres.items():
        monkeypatch.setenv(key, value)
    reads: dict[tuple[str, str], int] = {}
    monkeypatch.setattr(inputs, "read_hooks", [lambda s, t, n: reads.__setitem__((s, t), n)])
    assert materialize([], DAY, DAY).ok
    assert _postgres_marts(url) == in_postgres
    expected = _expected_reads(warehouse, DAY)
    assert {k: v for k, v in reads.items() if k in expected} == expected
    assert sum(expected.values()) > 0

    # `lsw sql` and the report read the destination; sql there is read-only
    sessions = {row[0] for row in in_duckdb["fct_sessions"][1]}
    query = "select provider, count(*) as n from marts.fct_sessions group by 1 order by 1"
    result = CliRunner().invoke(app, ["sql", query, "--format", "csv"])
    assert result.exit_code == 0, result.output
    counted = sorted(
        (p, sum(1 for r in in_duckdb["fct_sessions"][1] if r[0] == p)) for p in sessions
    )
    assert result.stdout == "provider,n\n" + "".join(f"{p},{n}\n" for p, n in counted)
    result = CliRunner().invoke(app, ["sql", "delete from marts.gmv_daily"])
    assert result.exit_code == 2
    assert "error sql: cannot execute DELETE in a read-only transaction" in result.stderr
    report = (elsewhere.parent / "report.html").read_text()
    assert "postgres (dataset marts)" in report and "tiktok_shop" in report


def test_a_bad_destination_credential_is_one_line_without_the_password(
    warehouse: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "s3cret-Passw0rd"
    bad = _with_password(postgres_url, password).replace("//lsw:", "//nobody:")
    monkeypatch.setenv("LSW_DESTINATION", "postgres")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", bad)
    ran = _lsw("run", *DAYS)
    assert ran.returncode == 1
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith("error destination postgres: cannot connect: ")
    assert 'role "nobody" does not exist' in lines[0]
    assert password not in ran.stderr + ran.stdout
