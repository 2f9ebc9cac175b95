"""`lsw`: demo, run, check, sandbox, ui, sql and report (docs/contract.md)."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, ParamSpec

import typer
from rich.console import Console

from lsw import report_cmd, sql_cmd
from lsw.errors import DEBUG_ENV, UsageError, one_line_failures
from lsw.version import show_version
from pipelines.errors import ConfigError, ConfigFileError
from pipelines.registry import ALL_PROVIDERS, SPECS
from warehouse import calendar, destination, paths

P = ParamSpec("P")

app = typer.Typer(
    help="livestream-warehouse: livestream commerce data from five platforms in one DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output (CI logs, files) gets room for the tables instead of rich's 80-column default.
# Messages never hard-wrap: a failure stays one line that people can grep.
console = Console(width=None if sys.stdout.isatty() else 120, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

WarehouseOpt = Annotated[
    str | None,
    typer.Option(
        "--warehouse", help="DuckDB file (else LSW_WAREHOUSE, else data/warehouse.duckdb)"
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="no progress display or progress lines")
]
ProviderOpt = Annotated[
    list[str] | None,
    typer.Option("--provider", "-p", help=f"repeatable; one of {', '.join(ALL_PROVIDERS)}"),
]


def command(fn: Callable[P, None]) -> Callable[P, None]:
    """An `lsw` command whose every failure is one line on stderr and a non-zero exit."""
    run_command = one_line_failures(fn)
    app.command()(run_command)
    return run_command


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help=f"show tracebacks (also {DEBUG_ENV}=1)")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="print the version"),
    ] = False,
) -> None:
    if debug:
        os.environ[DEBUG_ENV] = "1"


def _providers(chosen: list[str] | None) -> list[str]:
    unknown = sorted(set(chosen or []) - set(ALL_PROVIDERS))
    if unknown:
        raise UsageError(
            f"unknown provider {', '.join(unknown)}; known: {', '.join(ALL_PROVIDERS)}"
        )
    return list(chosen or ALL_PROVIDERS)


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


class _Notes(logging.Handler):
    """Warnings of lsw's own loggers reach the terminal as one line each, once.

    Retry notes of the HTTP layer stay in the logs: a retry that succeeds is not news.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: set[str] = set()
        self.addFilter(lambda record: not record.name.startswith("lsw.http"))

    def emit(self, record: logging.LogRecord) -> None:
        self.say(record.getMessage())

    def say(self, message: str) -> None:
        if message not in self.seen:
            self.seen.add(message)
            err.print(f"[yellow]note[/yellow] {message}", highlight=False)


NOTES = _Notes()


def _setup_logging() -> None:
    from pipelines.redaction import install_log_redaction

    install_log_redaction()
    logger = logging.getLogger("lsw")
    if NOTES not in logger.handlers:
        logger.addHandler(NOTES)


def _load(
    providers: list[str], start: date, end: date, command: str, quiet: bool
) -> tuple[bool, str]:
    """Run the providers and marts for start..end; print failures; (all went well, the
    summary line to end with)."""
    from lsw.progress import Mode, Progress, finish
    from lsw.runner import materialize

    began = time.monotonic()
    mode: Mode = "quiet" if quiet else "live" if err.is_terminal else "plain"
    with Progress(providers, (end - start).days + 1, mode, err) as shown:
        outcome = materialize(providers, start, end, command, on_event=shown.seen)
    for line in outcome.warnings:
        NOTES.say(line)
    for line in outcome.failures:
        err.print(f"[red]failed[/red] {line}", highlight=False)
    if outcome.failures:
        runs = ", ".join(outcome.run_ids)
        err.print(f"Details in the Dagster UI (`lsw ui`), run {runs}", highlight=False)
    return outcome.ok, finish(outcome.run_ids, providers, start, end, began)


def _configured(name: str) -> bool | None:
    """Whether ``name`` is configured; None when its section is wrong (it runs, and its step
    fails with the one line saying what is wrong, while the other providers load).

    A configuration file that cannot be read at all is every provider's problem: raised.
    """
    try:
        return SPECS[name].read_config() is not None
    except ConfigFileError:
        raise
    except ConfigError:
        return None


@command
def demo(
    days: Annotated[int, typer.Option(min=1, max=365, help="how many days to backfill")] = 14,
    warehouse: WarehouseOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Offline, credential-free: backfill the built-in provider sandbox into a warehouse."""
    from lsw.report_cmd import write_report
    from lsw.summary import print_summary
    from sandbox import SandboxConfig, SandboxServer

    began = time.perf_counter()
    target = paths.prepare(warehouse)
    _setup_logging()
    end = datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    with SandboxServer(SandboxConfig(days=max(90, days + 1))) as sandbox:
        console.print(f"Provider sandbox on {sandbox.url}")
        os.environ.update(sandbox.env())
        # the sandbox's made-up credentials: their tokens stay with the demo, out of the
        # user's own token store
        os.environ["LSW_TOKEN_DIR"] = str(paths.state_dir(target) / "sandbox-tokens")
        os.environ.pop("LSW_STATE_URL", None)  # nor in a shared state database: all local
        providers = [p for p, spec in SPECS.items() if spec.read_config() is not None]
        ok, line = _load(providers, start, end, "demo", quiet)
    print_summary(console, target, start, end)
    console.print(f"Warehouse: {target}")
    console.print(f"Report: {write_report(target, None, days)}")
    console.print(f"Dagster runs: {paths.dagster_home()} (see them with `lsw ui`)")
    console.print(f"Done in {time.perf_counter() - began:.1f} s")
    console.print(line, highlight=False)
    if not ok:
        raise typer.Exit(1)


@command
def run(
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD (UTC)")],
    end: Annotated[str, typer.Option(help="last day, YYYY-MM-DD (UTC), inclusive")],
    provider: ProviderOpt = None,
    warehouse: WarehouseOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Load the daily partitions start..end of the chosen providers, then the marts."""
    from lsw.summary import print_summary

    names = _providers(provider)
    first, last = _day(start, "--start"), _day(end, "--end")
    calendar.check_range(first, last)
    if not provider:
        nothing_configured()
    chosen, missing = [], []
    for name in names:
        spec = SPECS.get(name)
        if spec is None:
            console.print(f"{name}: skipped (no source yet in this version)")
        elif _configured(name) is False:
            console.print(f"{name}: skipped (not configured: sources.{name})")
            missing.append(name)
        else:
            chosen.append(name)
    target = paths.prepare(warehouse)
    destination.check(target)  # a bad credential: one line, before any provider fetches
    _setup_logging()
    ok, line = _load(chosen, first, last, "run", quiet)
    print_summary(console, target, first, last)
    console.print(line, highlight=False)
    if provider and missing:
        # asked for by name: a provider that cannot run is a failure, not a silent skip
        err.print(f"[red]failed[/red] {', '.join(missing)}: not configured", highlight=False)
        raise typer.Exit(1)
    if not ok:
        raise typer.Exit(1)


@command
def check(provider: ProviderOpt = None, warehouse: WarehouseOpt = None) -> None:
    """Try each configured provider's credentials with one cheap call."""
    from lsw.check import check as check_one

    names = _providers(provider)
    paths.prepare(warehouse)  # tokens are the user's (docs/token-store.md), whatever warehouse
    if not provider:
        nothing_configured()
    _setup_logging()
    failed = False
    for name in names:
        spec = SPECS.get(name)
        try:
            config = spec.read_config() if spec else None
        except ConfigFileError:
            raise
        except ConfigError as exc:  # this provider's section: the others are still checked
            console.print(str(exc), highlight=False)
            failed = True
            continue
        if spec is None or config is None:
            console.print(f"{name}: not configured")
            failed |= bool(provider)  # asked for by name and unusable
            continue
        ok, message = check_one(spec, config)
        failed |= not ok
        # a failure already reads "provider: endpoint: cause"
        console.print(f"{name}: {message}" if ok else message, highlight=False)
    if failed:
        raise typer.Exit(1)


@command
def sandbox(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1 (0: any free port)")] = 8765,
    seed: Annotated[int, typer.Option(help="same seed, same world")] = 7,
    scale: Annotated[int, typer.Option(min=1, help="accounts per provider multiplier")] = 1,
    days: Annotated[int, typer.Option(min=1, help="past days with sessions")] = 90,
    print_config: Annotated[
        bool, typer.Option("--print-config", help="print the SOURCES__ variables first")
    ] = False,
    write_config: Annotated[
        bool,
        typer.Option(
            "--write-config",
            help="write .dlt/secrets.toml here, pointing every provider at this sandbox, so "
            "the Dagster UI and its runs use it too",
        ),
    ] = False,
    knobs: Annotated[
        str | None,
        typer.Option(
            help='per-provider knobs as JSON, e.g. \'{"tiktok_shop": {"latency_ms": 50, '
            '"faults": [{"kind": "server_error", "rate": 0.1}]}}\'; '
            "change them while it runs with PUT /_admin/knobs/<provider>"
        ),
    ] = None,
) -> None:
    """Serve the provider sandbox for exploration (Ctrl-C to stop)."""
    from sandbox import SandboxConfig, SandboxServer

    try:
        parsed = json.loads(knobs) if knobs else {}
        config = SandboxConfig(seed=seed, scale=scale, days=days, knobs=parsed)
        server = SandboxServer(config, port=port)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--knobs: {exc}") from None
    if print_config:
        for key, value in server.runtime.compact_env(server.url).items():
            print(f"export {key}={json.dumps(value) if ' ' in value else _shell(value)}")
    if write_config:
        from sandbox.dlt_config import ConfigFileError, write

        try:
            written = write(server.runtime.env_config(server.url), server.url, Path.cwd())
        except ConfigFileError as exc:
            raise UsageError(str(exc)) from None
        err.print(
            f"Wrote {written}: `lsw run`, `lsw ui` and `dagster dev -w workspace.yaml` started "
            "in this folder now load from this sandbox (delete the file to stop)"
        )
    err.print(f"Provider sandbox on {server.url} (providers under /<name>); Ctrl-C stops it")
    sys.stdout.flush()
    server.serve_forever()


def _shell(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


@command
def ui(
    warehouse: WarehouseOpt = None,
    host: Annotated[str, typer.Option(help="address to serve on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve on")] = 3000,
) -> None:
    """The Dagster UI (webserver, schedules, sensors) on this warehouse, its runs and config."""
    from lsw.ui import serve

    paths.prepare(warehouse)
    console.print(
        f"Dagster UI on http://{host}:{port} (Ctrl-C stops it); runs: {paths.dagster_home()}"
    )
    raise typer.Exit(serve(host, port))


def nothing_configured() -> None:
    """Nothing to do is a failure a cron job must notice, said in one line."""
    if all(spec.read_config() is None for spec in SPECS.values()):
        raise ConfigError(
            "no provider is configured: set sources.<provider> in .dlt/config.toml, "
            ".dlt/secrets.toml or SOURCES__<PROVIDER>__... (docs/contract.md)"
        )


command(sql_cmd.sql)
command(report_cmd.report)

# Live capture (docs/live.md): the commands live in their own modules.
from lsw.live_cmd import live  # noqa: E402
from lsw.webhooks_cmd import webhooks_app  # noqa: E402

command(live)
app.add_typer(webhooks_app, name="webhooks")
