"""The layer in front of every provider that adds latency, rate limits and injected faults.

It is plain ASGI (no BaseHTTPMiddleware) so the happy path costs next to nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.knobs import Fault, ProviderState
from sandbox.providers.base import ProviderService

NEVER_S = 3600.0


class FaultLayer:
    def __init__(self, app: ASGIApp, service: ProviderService, state: ProviderState) -> None:
        self.app = app
        self.service = service
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        state.count_request()
        knobs = state.knobs
        if knobs.latency_ms > 0:
            await asyncio.sleep(knobs.latency_ms / 1000)
        allowed, remaining, reset = state.take_rate_slot(time.monotonic())
        extra = dict(self.service.rate_headers(knobs.rate_limit, remaining, reset))
        send = _with_headers(send, extra) if extra else send
        if not allowed:
            await self.service.error_response("rate_limited", 429, reset)(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        fault = state.pick_fault(scope.get("path", ""), query)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "timeout":
            await asyncio.sleep(NEVER_S)
        elif fault.kind == "answer_lost":
            await self.app(scope, receive, _swallow)
            await asyncio.sleep(NEVER_S)
        elif fault.kind in ("server_error", "rate_limited"):
            status = fault.status if fault.kind == "server_error" else 429
            await self.service.error_response(fault.kind, status, 1.0)(scope, receive, send)
        else:
            await self.app(scope, receive, _BodyMangler(send, fault))


async def _swallow(message: Message) -> None:
    """Where an answer that is lost on the way goes."""


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    raw = [(k.lower().encode(), v.encode()) for k, v in extra.items()]

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *raw]}
        await send(message)

    return wrapped


class _BodyMangler:
    """Buffers a response and sends a damaged body instead."""

    def __init__(self, send: Send, fault: Fault) -> None:
        self.send = send
        self.fault = fault
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        self.chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = mangle(b"".join(self.chunks), self.fault)
        assert self.start is not None
        headers = [(k, v) for k, v in self.start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})


def mangle(body: bytes, fault: Fault) -> bytes:
    """Damage a JSON body the way ``fault`` says."""
    if fault.kind == "truncated_json":
        return body[: max(1, len(body) // 2)]
    if fault.kind == "malformed_json":
        return b"<html><body>502 Bad Gateway</body></html>"
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    records = _records(doc)
    if fault.kind == "unknown_field":
        added = {"x_undocumented": {"added_by": "sandbox"}} if fault.value is None else fault.value
        # with ``field``: the object holding it (Firework's detail, whose first list of
        # objects is its products), else every record of the first list
        holder = _holding(doc, fault.field) if fault.field else None
        for record in [holder] if holder is not None else records:
            record.update(added)
    elif records:
        record = _holding(doc, fault.field) or _record_with(records, fault.field)
        key = fault.field if fault.field in record else next(iter(record), None)
        if key is not None:
            if fault.kind == "missing_field":
                del record[key]
            else:
                replaced = record[key]
                record[key] = _other_type(replaced) if fault.value is None else fault.value
    return orjson.dumps(doc)


def _records(doc: Any) -> list[dict[str, Any]]:
    """The first list of objects in the document (breadth first), else the top object."""
    queue = [doc]
    while queue:
        node = queue.pop(0)
        if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            return node
        if isinstance(node, dict):
            queue.extend(node.values())
    return [doc] if isinstance(doc, dict) else []


def _holding(doc: Any, field: str | None) -> dict[str, Any] | None:
    """The first object anywhere in the document (breadth first) with ``field``: a figure of a
    single-object answer (Shopee's ``response.gmv``) is as reachable as a list record's."""
    queue = [doc] if field else []
    while queue:
        node = queue.pop(0)
        if isinstance(node, dict):
            if field in node:
                return node
            queue.extend(node.values())
        elif isinstance(node, list):
            queue.extend(node)
    return None


def _record_with(records: list[dict[str, Any]], field: str | None) -> dict[str, Any]:
    if field:
        for record in records:
            if field in record:
                return record
    return records[0]


def _other_type(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return int(value) if value.isdigit() else [value]
    return orjson.dumps(value).decode()
