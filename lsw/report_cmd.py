"""`lsw report`: write the offline HTML report from the marts (report/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lsw.errors import UsageError
from warehouse import destination, paths

DEFAULT_DAYS = 30  # report.build.DEFAULT_DAYS; plotly is imported only when a report is written


def write_report(warehouse: Path, out: Path | None, days: int) -> Path:
    from report import write_report as write

    if destination.is_duckdb() and not warehouse.is_file():
        raise UsageError(f"no warehouse at {warehouse}: load one with `lsw run` or `lsw demo`")
    return write(warehouse, out, days)


def report(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file (default: report.html beside the warehouse)"),
    ] = None,
    days: Annotated[
        int, typer.Option(min=1, max=3660, help="days shown, ending on the latest session day")
    ] = DEFAULT_DAYS,
    warehouse: Annotated[
        str | None,
        typer.Option(
            "--warehouse", help="DuckDB file (else LSW_WAREHOUSE, else data/warehouse.duckdb)"
        ),
    ] = None,
) -> None:
    """Write the offline HTML report (charts of the marts) and print its path."""
    target = paths.warehouse_path(warehouse)
    written = write_report(target, out.absolute() if out else None, days)
    Console(soft_wrap=True).print(f"Report: {written}", highlight=False)
