"""One version everywhere: the installed package's, as pyproject.toml sets it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import typer

DISTRIBUTION = "livestream-warehouse"


def current() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def show_version(value: bool) -> None:
    """`lsw --version`: print and exit before any command runs."""
    if value:
        print(f"lsw {current()}")
        raise typer.Exit()
