"""The LiSA webhook receiver: an ASGI app (starlette), served by uvicorn (``lsw webhooks serve``).

Order of checks on ``POST /lisa``: credentials (401, before the body is read), size (413,
from Content-Length and again while reading), shape (400), then the record is stored and the
answer waits for its commit (group commit, one fsync for every delivery waiting). 200 means
durable: LiSA's retry of anything not acknowledged is safe, since the event id dedupes it.
With ``verify`` the event is fetched again from LiSA by id and the API's copy is stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from live.credentials import authorized
from live.group_commit import GroupCommitter
from live.lisa_events import SOURCE, BadEvent, parse_event
from live.store import Record

MAX_BODY = 1 << 20  # 1 MiB: a show with a full carousel is a few tens of KiB
PATH = "/lisa"
SECRET_RELOAD_S = 1.0

Verify = Callable[[str], dict[str, Any] | None]


def _answer(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


class _Secret:
    """The receiver's secret, read again (at most once a second) when a request does not
    match it, so a secret generated after the receiver started is picked up."""

    def __init__(self, load: Callable[[], str | None]) -> None:
        self._load = load
        self._value = load()
        self._read_at = time.monotonic()

    def matches(self, header: str | None) -> bool:
        if self._value is not None and authorized(header, self._value):
            return True
        if time.monotonic() - self._read_at >= SECRET_RELOAD_S:
            self._value, self._read_at = self._load(), time.monotonic()
            return self._value is not None and authorized(header, self._value)
        return False


def build_app(
    committer: GroupCommitter,
    load_secret: Callable[[], str | None],
    *,
    max_body: int = MAX_BODY,
    verify: Verify | None = None,
) -> Starlette:
    secret = _Secret(load_secret)

    async def deliver(request: Request) -> Response:
        if not secret.matches(request.headers.get("authorization")):
            return _answer(
                401, {"error": "unauthorized"}, {"www-authenticate": 'Bearer realm="lsw"'}
            )
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_body):
            return _answer(413, {"error": f"body larger than {max_body} bytes"})
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body:
                return _answer(413, {"error": f"body larger than {max_body} bytes"})
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            event = parse_event(body)
        except BadEvent as exc:
            return _answer(400, {"error": str(exc)})
        if verify is not None:
            fetched = await run_in_threadpool(verify, event["id"])
            if fetched is None:
                return _answer(400, {"error": "id: LiSA does not know this event"})
            body = orjson.dumps(fetched)
        new = await committer.add(Record(SOURCE, event["id"], time.time(), body))
        return _answer(200, {"stored": new, "id": event["id"]})

    async def health(request: Request) -> Response:
        return _answer(200, {"ok": True})

    return Starlette(
        routes=[Route(PATH, deliver, methods=["POST"]), Route("/health", health)],
    )
