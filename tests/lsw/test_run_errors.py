"""One line for what used to come out as internal errors or several lines."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsw.cli import app
from lsw.errors import one_line


def _error_of(sql: str) -> duckdb.Error:
    with duckdb.connect() as con:
        try:
            con.sql(sql)
        except duckdb.Error as exc:
            return exc
    raise AssertionError(f"{sql!r} did not fail")


def test_duckdb_errors_are_one_line_with_the_hint_and_without_the_echoed_query() -> None:
    assert (
        one_line(_error_of("selec 1")) == 'warehouse: Parser Error: syntax error at or near "selec"'
    )
    assert one_line(_error_of("select foo from (select 1 as bar)")) == (
        'warehouse: Binder Error: Referenced column "foo" not found in FROM clause! '
        'Candidate bindings: "bar"'
    )


@pytest.mark.parametrize("first", ["0001-01-01", "1969-12-31", "2999-01-01"])
def test_a_first_partition_dagster_cannot_take_is_one_line(
    first: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LSW_PARTITIONS_START", first)
    result = CliRunner().invoke(app, ["run", "--start", "2024-01-01", "--end", "2024-01-02"])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("error LSW_PARTITIONS_START must be a day from 1970-01-01 to today")
    assert line.endswith(f"got '{first}'")


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("LSW_MAX_CONCURRENT", "0", "a whole number from 1 up"),
        ("LSW_RUN_HISTORY_DAYS", "a month", "a number of days (0 or more)"),
    ],
)
def test_a_bad_run_setting_is_one_line(
    name: str, value: str, said: str, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    args = ["run", "--start", "2026-11-18", "--end", "2026-11-18", "-p", "tiktok_shop"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    [line] = [line for line in result.output.splitlines() if line.startswith("error ")]
    assert line == f"error {name} must be {said}, got {value!r}"
