"""`lsw webhooks`: receive LiSA's deliveries, and manage the subscriptions (docs/live.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, ParamSpec

import typer
from rich.console import Console

from lsw.errors import UsageError, one_line_failures

P = ParamSpec("P")

webhooks_app = typer.Typer(
    help="LiSA webhooks: the receiver (serve) and its subscriptions.", no_args_is_help=True
)
err = Console(stderr=True, soft_wrap=True)

WarehouseOpt = Annotated[
    str | None,
    typer.Option("--warehouse", help="decides the state directory (else LSW_STATE_DIR)"),
]


def _command(fn: Callable[P, None], name: str | None = None) -> Callable[P, None]:
    """A subcommand whose failure is one line on stderr, as every `lsw` command's."""
    run = one_line_failures(fn)
    webhooks_app.command(name)(run)
    return run


def _lisa_config() -> object:
    from pipelines.lisa.settings import LisaConfig
    from pipelines.registry import SPECS

    config = SPECS["lisa"].read_config()
    if not isinstance(config, LisaConfig):
        raise UsageError("lisa: not configured: set sources.lisa (SOURCES__LISA__...)")
    return config


@_command
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (0: any free port)")] = 8787,
    max_body: Annotated[int, typer.Option(help="largest delivery accepted, bytes")] = 1 << 20,
    verify: Annotated[
        bool, typer.Option(help="fetch each event again from LiSA by id and store that copy")
    ] = False,
    warehouse: WarehouseOpt = None,
    max_batch: Annotated[
        int, typer.Option(hidden=True, min=1, help="deliveries per commit (1: no group commit)")
    ] = 2_000,
) -> None:
    """Receive LiSA deliveries on POST /lisa until SIGTERM or Ctrl-C."""
    from live.serve import serve as run_server
    from pipelines.lisa.settings import LisaConfig
    from warehouse import paths

    paths.prepare(warehouse)
    config = _lisa_config() if verify else None
    assert config is None or isinstance(config, LisaConfig)
    run_server(host, port, max_body=max_body, verify_with=config, max_batch=max_batch)


@_command
def subscribe(
    url: Annotated[str, typer.Option(help="the receiver's public URL, ending in /lisa")],
    auth: Annotated[str, typer.Option(help="bearer or basic")] = "bearer",
    warehouse: WarehouseOpt = None,
) -> None:
    """Register a subscription for show events, with the receiver's generated credentials."""
    from live.credentials import ensure_secret, subscription_credentials
    from live.lisa_api import WebhookApi
    from pipelines.lisa.settings import LisaConfig
    from warehouse import paths

    if auth not in ("bearer", "basic"):
        raise UsageError(f"--auth must be bearer or basic, got {auth!r}")
    paths.prepare(warehouse)
    config = _lisa_config()
    assert isinstance(config, LisaConfig)
    credentials = subscription_credentials(ensure_secret(), auth)
    with WebhookApi(config) as api:
        sub = api.subscribe(url, credentials)
    print(f"{sub['id']}\t{sub.get('status', '')}\t{','.join(sub.get('eventTypes', []))}\t{url}")


def list_() -> None:
    """The subscriptions of the configured LiSA account: id, status, event types, URL."""
    from live.lisa_api import WebhookApi
    from pipelines.lisa.settings import LisaConfig

    config = _lisa_config()
    assert isinstance(config, LisaConfig)
    with WebhookApi(config) as api:
        subs = api.subscriptions()
    for sub in subs:
        types = ",".join(sub.get("eventTypes", []))
        print(f"{sub.get('id')}\t{sub.get('status', '')}\t{types}\t{sub.get('webhookUrl', '')}")


_command(list_, "list")


@_command
def unsubscribe(
    subscription_id: Annotated[str, typer.Argument(help="the id `lsw webhooks list` shows")],
) -> None:
    """Remove a subscription: LiSA stops sending to its URL."""
    from live.lisa_api import WebhookApi
    from pipelines.lisa.settings import LisaConfig

    config = _lisa_config()
    assert isinstance(config, LisaConfig)
    with WebhookApi(config) as api:
        api.unsubscribe(subscription_id)
    print(f"removed {subscription_id}")
