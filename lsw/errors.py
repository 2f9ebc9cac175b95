"""What the command line says when something goes wrong: one line, never a traceback.

A user error (a bad date, a half-written config, an unwritable path, a file that is not a
warehouse) is one line naming what and where; ``--debug`` or ``LSW_DEBUG=1`` shows the
traceback, for bug reports.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import ParamSpec

import click
import duckdb
import typer
from dlt.common.configuration.exceptions import ConfigProviderException
from rich.console import Console

from pipelines.config import provider_problem
from pipelines.errors import ConfigError
from pipelines.redaction import redact
from warehouse.calendar import RangeError
from warehouse.destination import DestinationError
from warehouse.locks import WarehouseBusy

DEBUG_ENV = "LSW_DEBUG"
P = ParamSpec("P")
# Messages never hard-wrap: a failure stays one line that people can grep.
err = Console(stderr=True, soft_wrap=True)


class UsageError(Exception):
    """A request the command cannot carry out as given; ``str()`` says what to change."""


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "").lower() in ("1", "true", "yes")


def expected(exc: BaseException) -> bool:
    """A user error we recognise (a traceback would not help anyone fix it)."""
    known = UsageError | RangeError | ConfigError | WarehouseBusy | ConfigProviderException
    known |= DestinationError
    return isinstance(exc, known) or (isinstance(exc, OSError) and bool(exc.filename))


def one_line(exc: BaseException) -> str:
    """The error as one line a user can act on (secrets masked)."""
    if isinstance(exc, UsageError | RangeError | ConfigError | WarehouseBusy | DestinationError):
        text = str(exc)
    elif isinstance(exc, ConfigProviderException):
        text = f"configuration: {provider_problem(exc)}"
    elif isinstance(exc, OSError) and exc.filename:
        text = f"{exc.filename}: {exc.strerror or type(exc).__name__}"
    elif isinstance(exc, duckdb.Error):
        text = f"warehouse: {_duckdb_line(exc)}"
    else:
        lines = str(exc).strip().splitlines()
        text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return redact(" ".join(text.split()))


def _duckdb_line(exc: duckdb.Error) -> str:
    """DuckDB's message without the echoed query and its caret, as one line.

    DuckDB answers bad SQL in several lines: the error, a hint ("Did you mean ..."), the
    query line and a caret under the spot. The error and the hint are what to act on; the
    spot becomes ``(at "<token>")`` when the message does not name it already.
    """
    lines = [line for line in str(exc).splitlines() if line.strip()]
    kept, spot = [], ""
    for number, line in enumerate(lines):
        if _caret(line):
            continue
        if line.startswith("LINE ") and number + 1 < len(lines) and _caret(lines[number + 1]):
            rest = line[lines[number + 1].index("^") :].split()
            spot = rest[0] if rest else ""
            continue
        kept.append(line.strip())
    text = " ".join(kept) or type(exc).__name__
    return f'{text} (at "{spot}")' if spot and f'"{spot}"' not in text else text


def _caret(line: str) -> bool:
    return bool(line.strip()) and set(line.strip()) == {"^"}


def one_line_failures(fn: Callable[P, None]) -> Callable[P, None]:
    """``fn`` as a command whose every failure is one line on stderr and a non-zero exit:
    2 for a request it cannot carry out as given, 1 otherwise."""

    @functools.wraps(fn)
    def run_command(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.ClickException):
            raise
        except Exception as exc:
            if debugging():
                raise
            usage = isinstance(exc, UsageError | RangeError)
            hint = "" if expected(exc) else f"  (--debug or {DEBUG_ENV}=1 shows the traceback)"
            err.print(f"[red]error[/red] {one_line(exc)}{hint}", highlight=False)
            raise typer.Exit(2 if usage else 1) from None

    return run_command
