"""`lsw sql` as scripts use it: query from an argument, a file or stdin; table, csv, json and
parquet; --out and --limit; one-line errors; the published read-only copy when there is one."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from lsw.cli import app
from warehouse.publish import publish

LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]
QUERY = "select id, name, amount, day from t order by id"
WIDE = ", ".join(f"{i} as a_rather_long_column_name_number_{i}" for i in range(40))
runner = CliRunner()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """Three known rows, published; the warehouse itself then gains a row it never published."""
    target = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute(
            "create table t (id bigint, name varchar, amount double, day date);"
            "insert into t values (1, 'lamp', 1.5, '2026-11-19'), "
            "(2, 'tee, \"red\"', 20.0, '2026-11-20'), (3, null, null, null)"
        )
    publish(target)
    with duckdb.connect(str(target)) as con:
        con.execute("insert into t values (4, 'unpublished', 0, null)")
    return target


def _lsw(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LSW, *args], input=stdin, capture_output=True, text=True, timeout=120)


def test_stdin_to_csv_in_a_process(warehouse: Path) -> None:
    """Real stdin and stdout: the one form that needs a process of its own."""
    result = _lsw("sql", "--format", "csv", "--warehouse", str(warehouse), stdin=QUERY)
    assert result.returncode == 0, result.stderr
    # the published copy: row 4 was written after it and is not there
    assert result.stdout == (
        'id,name,amount,day\n1,lamp,1.5,2026-11-19\n2,"tee, ""red""",20.0,2026-11-20\n3,,,\n'
    )
    assert result.stderr == ""


def test_file_to_json_out(warehouse: Path, tmp_path: Path) -> None:
    (tmp_path / "q.sql").write_text(QUERY + "\n")
    out = tmp_path / "out" / "rows.json"
    result = runner.invoke(
        app,
        ["sql", "-f", str(tmp_path / "q.sql"), "--format", "json", "--out", str(out),
         "--limit", "2", "--warehouse", str(warehouse)],
    )  # fmt: skip
    assert (result.exit_code, result.output) == (0, "")
    assert json.loads(out.read_text()) == [
        {"id": 1, "name": "lamp", "amount": 1.5, "day": "2026-11-19"},
        {"id": 2, "name": 'tee, "red"', "amount": 20.0, "day": "2026-11-20"},
    ]


def test_table_shows_every_column_and_row(warehouse: Path) -> None:
    result = runner.invoke(app, ["sql", f"select {WIDE}", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    for i in range(40):
        assert f"a_rather_long_column_name_number_{i} " in result.output
    result = runner.invoke(app, ["sql", QUERY, "--warehouse", str(warehouse)])
    lines = result.output.splitlines()
    assert [line.split("┆")[1].strip() for line in lines if line.startswith("│")][1:] == [
        "lamp",
        'tee, "red"',
        "null",
    ]
    assert "…" not in result.output


def test_parquet_to_a_pipe_and_to_a_file(warehouse: Path, tmp_path: Path) -> None:
    piped = runner.invoke(app, ["sql", QUERY, "--format", "parquet", "--warehouse", str(warehouse)])
    assert piped.exit_code == 0
    frame = pl.read_parquet(io.BytesIO(piped.stdout_bytes))
    assert frame["id"].to_list() == [1, 2, 3]
    json_out = runner.invoke(app, ["sql", QUERY, "--format", "json", "--warehouse", str(warehouse)])
    assert json.loads(json_out.output)[2] == {"id": 3, "name": None, "amount": None, "day": None}
    assert frame.schema["day"] == pl.Date
    out = tmp_path / "rows.parquet"
    written = runner.invoke(
        app,
        ["sql", QUERY, "--format", "parquet", "--out", str(out), "--limit", "1",
         "--warehouse", str(warehouse)],
    )  # fmt: skip
    assert (written.exit_code, written.output) == (0, "")
    assert pl.read_parquet(out).rows() == [(1, "lamp", 1.5, frame["day"][0])]


def test_without_a_published_copy_it_reads_the_warehouse(tmp_path: Path) -> None:
    target = tmp_path / "plain.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute("create table t as select 7 as n")
    result = runner.invoke(
        app, ["sql", "select n from t", "--format", "csv", "--warehouse", str(target)]
    )
    assert (result.exit_code, result.output) == (0, "n\n7\n")


def test_errors_are_one_line(warehouse: Path, tmp_path: Path) -> None:
    cases = [
        (["sql", "selec 1"], 2, 'error sql: Parser Error: syntax error at or near "selec"'),
        (
            ["sql", "select * from nowhere"],
            2,
            "error sql: Catalog Error: Table with name nowhere does not exist!",
        ),
        (
            ["sql", "select 1", "-f", str(tmp_path / "q.sql")],
            2,
            "error give the query as an argument or with -f FILE, not both",
        ),
        (
            ["sql", "-f", str(tmp_path / "q.sql")],
            2,
            f"error -f {tmp_path / 'q.sql'}: No such file or directory",
        ),
        (["sql", "  "], 2, "error no query: give one as an argument, with -f FILE or on stdin"),
    ]
    for args, code, line in cases:
        result = runner.invoke(app, [*args, "--warehouse", str(warehouse)])
        assert result.exit_code == code, result.output
        assert result.output == line + "\n"
