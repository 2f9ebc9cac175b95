"""Readers never delay loads: a process holding the published copy open, and `lsw run`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from lsw.cli import app
from warehouse.publish import copy_path, publish

READER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("select count(*) from t").fetchall()[0][0], flush=True)
sys.stdin.read()  # holds the copy open until the test closes stdin
print(con.execute("select count(*) from t").fetchall()[0][0], flush=True)
"""


def test_a_reader_of_the_copy_does_not_delay_a_run(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table t as select 1 as n")
    published = publish(warehouse)
    assert published == copy_path(warehouse)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline() == "1\n"  # it is open
        # the run in this process, the reader in its own: DuckDB sees two processes
        run = CliRunner().invoke(
            app, ["run", "--start", "2026-11-18", "--end", "2026-11-19", "-p", "tiktok_shop"]
        )
        assert run.exit_code == 0, run.output
        assert "waiting for the warehouse" not in run.output
        assert run.stdout.splitlines()[-1].startswith("run ")
        assert reader.poll() is None  # still holding its copy all along
        with duckdb.connect(str(published), read_only=True) as con:  # the new copy
            assert con.execute("select count(*) from marts.fct_sessions").fetchall() == [(9,)]
        out, _ = reader.communicate("", timeout=30)
        assert out == "1\n"  # the reader kept its snapshot, undisturbed
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
