"""`lsw live`: the Shopee poller as a long-running command (docs/live.md)."""

from __future__ import annotations

from contextlib import closing
from typing import Annotated

import typer

from lsw.errors import UsageError

WarehouseOpt = Annotated[
    str | None,
    typer.Option("--warehouse", help="decides the state directory (else LSW_STATE_DIR)"),
]


def live(
    comment_interval: Annotated[
        float, typer.Option(help="seconds between comment polls of a live session (< 10)")
    ] = 5.0,
    metric_interval: Annotated[
        float, typer.Option(help="seconds between metric snapshots of a live session")
    ] = 60.0,
    detail_interval: Annotated[
        float, typer.Option(help="seconds between status checks (start, end) of a session")
    ] = 60.0,
    warehouse: WarehouseOpt = None,
) -> None:
    """Poll Shopee's live sessions for comments and metrics until SIGTERM or Ctrl-C."""
    from live.poller import Intervals, ShopeePoller
    from live.service import log_to_stderr, stop_on_signals
    from live.store import open_store
    from pipelines.registry import SPECS
    from pipelines.shopee.api import ShopeeApi
    from pipelines.shopee.settings import ShopeeConfig
    from warehouse import paths

    try:
        intervals = Intervals(comment_interval, metric_interval, detail_interval)
    except ValueError as exc:
        raise UsageError(f"--comment-interval/--metric-interval/--detail-interval: {exc}") from None
    paths.prepare(warehouse)
    config = SPECS["shopee"].read_config()
    if not isinstance(config, ShopeeConfig):
        raise UsageError("shopee: not configured: set sources.shopee (SOURCES__SHOPEE__...)")
    sessions = config.session_list()
    log = log_to_stderr("lsw.live")
    stop = stop_on_signals()
    with ShopeeApi(config) as api, closing(open_store()) as store:
        poller = ShopeePoller(api, store, sessions, intervals, concurrency=config.concurrency)
        log.info(
            "lsw live: watching %d configured sessions (comments every %g s, metrics every %g s) "
            "into %s; SIGTERM or Ctrl-C stops",
            len(sessions),
            intervals.comment_s,
            intervals.metric_s,
            store.where,
        )
        try:
            poller.run(stop)
        finally:
            poller.close()
            poller.report()
    log.info("lsw live: stopped")
