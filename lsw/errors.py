"""What the command line says when something goes wrong: one line, never a traceback.

A user error (a bad date, a half-written config, an unwritable path, a file that is not a
warehouse) is one line naming what and where; ``--debug`` or ``LSW_DEBUG=1`` shows the
traceback, for bug reports.
"""

from __future__ import annotations

import os

import duckdb
from dlt.common.configuration.exceptions import ConfigProviderException

from pipelines.config import provider_problem
from pipelines.errors import ConfigError
from pipelines.redaction import redact
from warehouse.calendar import RangeError
from warehouse.locks import WarehouseBusy

DEBUG_ENV = "LSW_DEBUG"


class UsageError(Exception):
    """A request the command cannot carry out as given; ``str()`` says what to change."""


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "").lower() in ("1", "true", "yes")


def expected(exc: BaseException) -> bool:
    """A user error we recognise (a traceback would not help anyone fix it)."""
    known = UsageError | RangeError | ConfigError | WarehouseBusy | ConfigProviderException
    return isinstance(exc, known) or (isinstance(exc, OSError) and bool(exc.filename))


def one_line(exc: BaseException) -> str:
    """The error as one line a user can act on (secrets masked)."""
    if isinstance(exc, UsageError | RangeError | ConfigError | WarehouseBusy):
        text = str(exc)
    elif isinstance(exc, ConfigProviderException):
        text = f"configuration: {provider_problem(exc)}"
    elif isinstance(exc, OSError) and exc.filename:
        text = f"{exc.filename}: {exc.strerror or type(exc).__name__}"
    elif isinstance(exc, duckdb.Error):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        text = f"warehouse: {first}"
    else:
        lines = str(exc).strip().splitlines()
        text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return redact(" ".join(text.split()))
