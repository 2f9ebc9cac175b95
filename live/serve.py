"""Serving the receiver: uvicorn on a socket bound here, so ``--port 0`` can say its port."""

from __future__ import annotations

import gc
import socket
import sys

import uvicorn

from live.credentials import ensure_secret, load_secret
from live.group_commit import MAX_BATCH, GroupCommitter
from live.lisa_api import WebhookApi
from live.receiver import MAX_BODY, PATH, build_app
from live.store import open_store
from pipelines.lisa.settings import LisaConfig


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # connections queue from now on, before uvicorn accepts them
    return sock


def serve(
    host: str,
    port: int,
    *,
    max_body: int = MAX_BODY,
    verify_with: LisaConfig | None = None,
    max_batch: int = MAX_BATCH,
) -> None:
    """Receive deliveries until SIGTERM or Ctrl-C; prints the URL to subscribe first."""
    ensure_secret()  # subscribe and serve agree on one secret, whoever comes first
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    store = open_store(checkpoint_s=1.0)
    committer = GroupCommitter(store, max_batch)
    api = WebhookApi(verify_with) if verify_with is not None else None
    app = build_app(
        committer, load_secret, max_body=max_body, verify=api.event if api is not None else None
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
            http="httptools",
            loop="uvloop",
        )
    )
    # Everything imported so far (dlt, pydantic, ...) lives as long as the process: moved out
    # of the collector's reach, a full collection no longer pauses every answer in flight
    # for the time it takes to walk millions of objects (p99 ~100-300 ms without this).
    gc.collect()
    gc.freeze()
    print(f"listening on http://{bound_host}:{bound_port}{PATH}", flush=True)
    print(f"landing store {store.where}", file=sys.stderr, flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        committer.close()
        store.close()
        if api is not None:
            api.close()
        sock.close()
