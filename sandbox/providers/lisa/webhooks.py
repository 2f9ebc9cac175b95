"""LiSA webhooks: subscriptions, the events the moving clock produces, and their delivery.

A background task watches the sandbox clock. Every show event (create, publish, start, stop,
update, delete) whose time the clock has passed is emitted once, kept for
``GET /webhooks/events/{id}``, and queued to every active subscription that listens for it.
Each subscription delivers in order; a notification that is not answered 200/202/204 is
retried after a short delay, and the third failure suspends the subscription (the reference's
rule). A suspended subscription receives nothing more; its missed events are not replayed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import ipaddress
import threading
import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from sandbox.providers.lisa.http import BadRequest
from sandbox.providers.lisa.world import (
    ARCHIVE_MAX_DAYS,
    EVENT_TYPES,
    UPCOMING_DAYS,
    ShowSeed,
    World,
    det_uuid,
    iso,
)

OK_STATUSES = frozenset({200, 202, 204})
MAX_FAILURES = 3
MAX_EVENTS_KEPT = 50_000
# A clock jump longer than this only emits the most recent part, not a storm of old events.
MAX_CATCH_UP_S = 7 * 86_400
WILDCARDS = ("*", "Show:*", "Snippet:*", "Story:*")
CREDENTIAL_FIELDS = {
    "none": (),
    "basic": ("username", "password"),
    "bearer": ("token",),
    "oauth": ("clientId", "clientSecret", "tokenUrl"),
    "awsSigV4": ("accessKeyId", "secretAccessKey", "region"),
}


@dataclass
class Subscription:
    id: str
    client: str
    event_types: list[str]
    webhook_url: str
    credentials: dict[str, Any]
    created_at: float
    status: str = "active"
    failures: int = 0
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    token: tuple[str, float] | None = None

    def wants(self, event_type: str) -> bool:
        collection = event_type.split(":")[0]
        return any(t in ("*", f"{collection}:*", event_type) for t in self.event_types)

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client": self.client,
            "credentials": {"authType": self.credentials["authType"]},
            "eventTypes": list(self.event_types),
            "status": self.status,
            "webhookUrl": self.webhook_url,
        }


def validate_subscription(doc: Any) -> tuple[list[str], str, dict[str, Any]]:
    """Check a create-subscription body; returns (eventTypes, webhookUrl, credentials)."""
    if not isinstance(doc, dict):
        raise BadRequest("Expected object, received " + type(doc).__name__, [], "invalid_type")
    types = doc.get("eventTypes")
    if not isinstance(types, list) or not types:
        raise BadRequest("Required", ["eventTypes"], "invalid_type")
    for i, t in enumerate(types):
        if t not in EVENT_TYPES and t not in WILDCARDS:
            raise BadRequest(f"Invalid enum value '{t}'", ["eventTypes", i], "invalid_enum_value")
    if len(set(types)) != len(types):
        raise BadRequest("Event types must be distinct", ["eventTypes"])
    url = doc.get("webhookUrl")
    if not isinstance(url, str):
        raise BadRequest("Required", ["webhookUrl"], "invalid_type")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("Invalid url", ["webhookUrl"], "invalid_string")
    creds = doc.get("credentials", {"authType": "none"})
    if not isinstance(creds, dict) or creds.get("authType") not in CREDENTIAL_FIELDS:
        raise BadRequest(
            "Invalid discriminator value. Expected 'awsSigV4' | 'basic' | 'bearer' | 'none' | "
            "'oauth'",
            ["credentials", "authType"],
            "invalid_union_discriminator",
        )
    for name in CREDENTIAL_FIELDS[creds["authType"]]:
        if not isinstance(creds.get(name), str) or not creds[name]:
            raise BadRequest("Required", ["credentials", name], "invalid_type")
    return list(types), url, dict(creds)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The event's ``change``: dotted paths removed, and updated with their new value."""
    old, new = _flatten(before), _flatten(after)
    return {
        "removed": sorted(k for k in old if k not in new),
        "updated": {k: v for k, v in sorted(new.items()) if old.get(k, _MISSING) != v},
    }


_MISSING = object()


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict) and node:
        out: dict[str, Any] = {}
        for k, v in node.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(node, list) and node:
        out = {}
        for i, v in enumerate(node):
            out.update(_flatten(v, f"{prefix}.{i}"))
        return out
    return {prefix: node}


class WebhookHub:
    """Owns subscriptions, the emitted events and the delivery tasks of one LiSA service."""

    def __init__(
        self,
        world: World,
        now: Callable[[], float],
        option: Callable[[str, Any], Any],
        render: Callable[[ShowSeed, float], dict[str, Any]],
    ) -> None:
        self.world = world
        self.now = now
        self.option = option
        self.render = render
        self.subs: dict[str, Subscription] = {}
        self.events: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.lock = threading.Lock()
        self.counters = {
            "events_emitted": 0,
            "deliveries_ok": 0,
            "delivery_failures": 0,
            "subscriptions_suspended": 0,
            "events_dropped": 0,
        }
        self._client: httpx.AsyncClient | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._last = 0.0
        self._counter = 0
        self._index: tuple[tuple[date, date], list[int], list[Any]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._made_now: set[str] = set()  # ids of events ``edited`` sends itself

    # lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._client = httpx.AsyncClient(follow_redirects=False)
        self._loop = asyncio.get_running_loop()
        self._last = self.now()
        self._watcher = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        tasks = [self._watcher, *(s.task for s in self.subs.values())]
        for task in tasks:
            if task is not None:
                task.cancel()
        for task in tasks:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._client is not None:
            await self._client.aclose()

    # subscriptions ---------------------------------------------------------------------

    def create(self, doc: Any, client: str) -> Subscription:
        types, url, creds = validate_subscription(doc)
        with self.lock:
            self._counter += 1
            sub = Subscription(
                det_uuid(self.world.seed, "subscription", self._counter, url),
                client,
                types,
                url,
                creds,
                self.now(),
            )
            self.subs[sub.id] = sub
        sub.task = asyncio.create_task(self._deliver_loop(sub))
        return sub

    def delete(self, sub_id: str) -> bool:
        with self.lock:
            sub = self.subs.pop(sub_id, None)
        if sub is None:
            return False
        if sub.task is not None:
            sub.task.cancel()
        return True

    # events ----------------------------------------------------------------------------

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(float(self.option("webhook_poll_interval_s", 0.05)))
            with contextlib.suppress(Exception):  # one bad tick must not end the watcher
                self.tick()

    def tick(self) -> None:
        """Emit every event between the last look at the clock and now."""
        now = self.now()
        last, self._last = self._last, now
        if now <= last:
            return
        for t, event in self.events_between(max(last, now - MAX_CATCH_UP_S), now):
            if event["id"] not in self._made_now:
                self._emit(t, event)

    def edited(self, show: ShowSeed, at: int) -> None:
        """A test edited ``show`` at ``at`` (the clock's now): send what happened up to now,
        then the edit's ``Show:update``, to every subscription, even one made in that second.
        """

        def note() -> None:
            self._index = None
            n = max(i for i, e in enumerate(show.events) if e == (at, "Show:update"))
            event = self._event(show, n)
            self._made_now.add(event["id"])  # the watcher leaves it to us
            self.tick()
            self._emit(at, event, made_now=True)

        if self._loop is None or self._loop.is_closed():
            note()
        else:
            self._loop.call_soon_threadsafe(note)

    def events_between(self, t0: float, t1: float) -> list[tuple[int, dict[str, Any]]]:
        """Events with ``t0 < time <= t1``, oldest first, as LiSA would send them."""
        first = datetime.fromtimestamp(t0, tz=UTC).date() - timedelta(ARCHIVE_MAX_DAYS + 1)
        last = datetime.fromtimestamp(t1, tz=UTC).date() + timedelta(UPCOMING_DAYS + 1)
        if self._index is None or self._index[0] != (first, last):
            found: list[tuple[int, str, int, ShowSeed]] = []
            day = first
            while day <= last:
                for show in self.world.shows_on(day):
                    found.extend((t, show.id, n, show) for n, (t, _) in enumerate(show.events))
                day += timedelta(1)
            found.sort(key=lambda f: (f[0], f[1], f[2]))
            self._index = ((first, last), [f[0] for f in found], found)
        _, times, entries = self._index
        lo, hi = bisect_right(times, t0), bisect_right(times, t1)
        return [(t, self._event(show, n)) for t, _, n, show in entries[lo:hi]]

    def _event(self, show: ShowSeed, n: int) -> dict[str, Any]:
        t, kind = show.events[n]
        before = self.render(show, t - 0.001) if n > 0 else None
        after = self.render(show, t)
        if kind == "Show:create" or before is None:
            change: dict[str, Any] = {"removed": [], "updated": {}}
        else:
            change = diff(before, after)
        return {
            "id": det_uuid(self.world.seed, "event", show.id, n),
            "change": change,
            "client": str(self.option("client", "sandbox-brand")),
            "detail": before if kind == "Show:delete" and before is not None else after,
            "eventDate": iso(t),
            "eventType": kind,
        }

    def _emit(self, event_ts: int, event: dict[str, Any], made_now: bool = False) -> None:
        """Keep the event and queue it to the subscriptions that want it: those made before
        it happened, which is every one for an edit made just now (even in the same clock
        second as the subscription)."""
        with self.lock:
            self.events[event["id"]] = event
            while len(self.events) > MAX_EVENTS_KEPT:
                self.events.popitem(last=False)
            self.counters["events_emitted"] += 1
            subs = list(self.subs.values())
        for sub in subs:
            fresh = made_now or event_ts > sub.created_at
            if fresh and sub.status == "active" and sub.wants(event["eventType"]):
                sub.queue.put_nowait(event)

    # delivery --------------------------------------------------------------------------

    async def _deliver_loop(self, sub: Subscription) -> None:
        while sub.status == "active":
            event = await sub.queue.get()
            delay = float(self.option("webhook_retry_delay_s", 5.0))
            for attempt in range(1, MAX_FAILURES + 1):
                if await self._post(sub, event):
                    sub.failures = 0
                    self.counters["deliveries_ok"] += 1
                    break
                self.counters["delivery_failures"] += 1
                if attempt == MAX_FAILURES:
                    sub.status = "suspended"
                    self.counters["subscriptions_suspended"] += 1
                    self.counters["events_dropped"] += sub.queue.qsize()
                    break
                await asyncio.sleep(delay)

    async def _post(self, sub: Subscription, event: dict[str, Any]) -> bool:
        assert self._client is not None
        if not self._allowed(sub.webhook_url):
            return False
        body = orjson.dumps(event)
        headers = {"content-type": "application/json", "user-agent": "LiSA-Webhooks/1.0 (sandbox)"}
        timeout = float(self.option("webhook_timeout_s", 5.0))
        try:
            headers.update(await self._auth_headers(sub, body, timeout))
            response = await self._client.post(
                sub.webhook_url, content=body, headers=headers, timeout=timeout
            )
        except httpx.HTTPError:
            return False
        return response.status_code in OK_STATUSES

    def _allowed(self, url: str) -> bool:
        """The sandbox never leaves loopback unless told to (``webhook_allow_remote``)."""
        if self.option("webhook_allow_remote", False):
            return True
        host = urlsplit(url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    async def _auth_headers(self, sub: Subscription, body: bytes, timeout: float) -> dict[str, str]:
        creds = sub.credentials
        kind = creds["authType"]
        if kind == "basic":
            raw = f"{creds['username']}:{creds['password']}".encode()
            return {"authorization": "Basic " + base64.b64encode(raw).decode()}
        if kind == "bearer":
            return {"authorization": f"Bearer {creds['token']}"}
        if kind == "oauth":
            return {"authorization": f"Bearer {await self._oauth_token(sub, timeout)}"}
        if kind == "awsSigV4":
            return sigv4_headers(creds, sub.webhook_url, body, datetime.now(tz=UTC))
        return {}

    async def _oauth_token(self, sub: Subscription, timeout: float) -> str:
        """Client-credentials grant at ``tokenUrl``, reused until shortly before it expires."""
        if sub.token is not None and sub.token[1] > time.monotonic():
            return sub.token[0]
        assert self._client is not None
        creds = sub.credentials
        response = await self._client.post(
            creds["tokenUrl"],
            data={
                "grant_type": "client_credentials",
                "client_id": creds["clientId"],
                "client_secret": creds["clientSecret"],
            },
            timeout=timeout,
        )
        response.raise_for_status()
        doc = response.json()
        token = str(doc["access_token"])
        ttl = float(doc.get("expires_in", 3600))
        sub.token = (token, time.monotonic() + max(ttl - 30, 0))
        return token


def sigv4_headers(creds: dict[str, Any], url: str, body: bytes, when: datetime) -> dict[str, str]:
    """AWS Signature V4 of the POST, as LiSA's ``awsSigV4`` credentials ask for."""
    parts = urlsplit(url)
    host = parts.netloc
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    region, service = creds["region"], creds.get("service") or "execute-api"
    payload_hash = hashlib.sha256(body).hexdigest()
    signed = "content-type;host;x-amz-content-sha256;x-amz-date"
    canonical = "\n".join(
        [
            "POST",
            parts.path or "/",
            parts.query,
            f"content-type:application/json\nhost:{host}\nx-amz-content-sha256:{payload_hash}\n"
            f"x-amz-date:{amz_date}\n",
            signed,
            payload_hash,
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{creds['secretAccessKey']}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_hash,
        "authorization": f"AWS4-HMAC-SHA256 Credential={creds['accessKeyId']}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}",
    }
