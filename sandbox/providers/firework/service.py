"""Firework's Livestreams API, as firework-livestreams.md describes it.

Routes (below ``/firework``): ``POST /oauth/token``, ``GET /api/v1/live_streams/{id}/detail``,
``POST .../pin_product``, ``POST .../unpin_product``, ``PATCH .../end``.

Faithful parts a friendly fake would skip: there is no list endpoint (ids come from
configuration); every error is ``{"error": "<message>"}`` with the reference's statuses and
messages, an unknown path (``{"error": "Not found"}``, 404) or method (405) included, so a
source can tell a mistyped route from a missing livestream ("Livestream not found");
pinning needs an ``active`` or ``paused`` livestream (422 otherwise) and 1..3 ids (400
otherwise, as the reference's examples say); ending anything but a live livestream is a 400;
livestreams of another business answer 401; status follows the sandbox clock.

Pinned where the reference is silent: pins are a per-livestream set that a pin request
replaces ("override") and that is gone once the livestream stops being live, so an unpin then
finds nothing and answers 404 "No valid products found to unpin" (the reference lists no 422
for unpin); ids that are not products or units of the livestream are dropped, and only when
none is left is the answer a 404. A token asked for with ``scope=livestreams:read`` cannot
write (401 "Access denied").

What source tests lean on: ``env_config()`` lists every livestream existing now plus
``missing_livestream_id``, a deleted livestream that answers 404; ``revoke_tokens()`` (or the
``token_epoch`` option) makes the next call with any earlier token answer 401;
``moment_with_every_status()`` finds an instant at which all six statuses coexist.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from sandbox.jsonresp import json_response
from sandbox.providers.base import ProviderService, ServiceContext
from sandbox.providers.firework.auth import Grant, TokenStore, parse_scope
from sandbox.providers.firework.bodies import ID_RE, error, product_ids, token_form
from sandbox.providers.firework.timeline import Timeline
from sandbox.providers.firework.world import DAY_S, Channel, Livestream, channels, encode_id

DEFAULT_CLIENT_ID = "fw_sandbox_client_0001"
DEFAULT_CLIENT_SECRET = "fw_sandbox_secret_9d41c7e2b0"
TOKEN_TTL_S = 3600
STATUSES = frozenset({"idle", "active", "paused", "replay", "completed", "expired"})
LIVE = frozenset({"active", "paused"})
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
NOT_FOUND = "Livestream not found"


class FireworkService(ProviderService):
    """Firework's livestreams for one business, plus another business's that we may not read.

    Options: ``client_id``, ``client_secret`` (the credentials accepted), ``token_ttl_s``
    (default 3600), ``replay_days`` (replay window, default 7), ``account_id`` (the label
    env_config hands out, default the business id), ``token_epoch`` (change it to revoke every
    token issued before), ``deleted_ids`` (livestream ids that answer 404 from now on, as if
    deleted, besides ``missing_livestream_id``).
    """

    name: ClassVar[str] = "firework"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.channels: list[Channel] = channels(ctx.seed, ctx.scale)
        self.foreign_channels: list[Channel] = channels(ctx.seed, 1, business=1, count=1)
        self.business_id = self.channels[0].business_id
        # A livestream the business deleted after it was configured: env_config lists it and
        # it answers 404, so a source's "skip a missing id" path runs in every test.
        self.missing_livestream_id = encode_id("deleted", 0, seed=ctx.seed)
        self.timeline = Timeline(
            ctx.seed, self.channels, self.foreign_channels, ctx.clock.now(), ctx.days
        )
        self.tokens = TokenStore()
        self._lock = threading.Lock()
        self._revocations = 0
        self._forced_end: dict[str, float] = {}
        self._pins: dict[str, tuple[str, ...]] = {}
        self._api_routes: list[Route] = []
        self.pin_requests = 0
        self.ends = 0
        self.details = 0
        self.unauthorized = 0

    # --- framework hooks ---

    def routes(self) -> list[BaseRoute]:
        base = "/api/v1/live_streams/{live_stream_id}"
        self._api_routes = [
            Route("/oauth/token", self.token, methods=["POST"]),
            Route(f"{base}/detail", self.detail, methods=["GET"]),
            Route(f"{base}/pin_product", self.pin, methods=["POST"]),
            Route(f"{base}/unpin_product", self.unpin, methods=["POST"]),
            Route(f"{base}/end", self.end, methods=["PATCH"]),
        ]
        return [*self._api_routes, Route("/{path:path}", self.no_route, methods=METHODS)]

    def env_config(self, base_url: str) -> dict[str, str]:
        return {
            "SOURCES__FIREWORK__BASE_URL": base_url,
            "SOURCES__FIREWORK__CLIENT_ID": self._option("client_id", DEFAULT_CLIENT_ID),
            "SOURCES__FIREWORK__CLIENT_SECRET": self._option(
                "client_secret", DEFAULT_CLIENT_SECRET
            ),
            "SOURCES__FIREWORK__LIVESTREAM_IDS": orjson.dumps(self.configured_ids()).decode(),
            "SOURCES__FIREWORK__ACCOUNT_ID": str(self._option("account_id", self.business_id)),
        }

    def error_response(self, kind: str, status: int, retry_after: float) -> Response:
        if kind == "rate_limited":
            return json_response(
                {"error": "Too many requests"}, 429, {"Retry-After": f"{max(retry_after, 1):.0f}"}
            )
        return error("Internal server error", status)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "tokens_issued": self.tokens.issued,
                "details": self.details,
                "unauthorized": self.unauthorized,
                "pin_requests": self.pin_requests,
                "ends": self.ends,
            }

    # --- world ---

    def _option(self, key: str, default: Any) -> Any:
        return self.ctx.state.knobs.options.get(key, default)

    def _replay_s(self) -> float:
        return float(self._option("replay_days", 7)) * DAY_S

    def _deleted(self) -> set[str]:
        return {self.missing_livestream_id, *self._option("deleted_ids", ())}

    def livestream(self, live_stream_id: str, now: float) -> Livestream | None:
        """The livestream as it exists at ``now`` (created, not deleted), else None (a 404)."""
        if live_stream_id in self._deleted():
            return None
        return self.timeline.get(live_stream_id, now)

    def livestreams(self, now: float | None = None, foreign: bool = False) -> list[Livestream]:
        """Livestreams existing at ``now`` (ours, or the other business's), by slot time."""
        now = self.ctx.clock.now() if now is None else now
        deleted = self._deleted()
        out = [
            ls
            for ls in self.timeline.existing(now)
            if (ls.business_id != self.business_id) == foreign and ls.id not in deleted
        ]
        return sorted(out, key=lambda ls: (ls.slot_at, ls.id))

    def livestream_ids(self) -> list[str]:
        """Ids of our livestreams that answer their detail now."""
        return [ls.id for ls in self.livestreams()]

    def configured_ids(self) -> list[str]:
        """What env_config configures: every livestream_ids() entry, the deleted one halfway."""
        ids = self.livestream_ids()
        half = len(ids) // 2
        return [*ids[:half], self.missing_livestream_id, *ids[half:]]

    def revoke_tokens(self) -> None:
        """Revoke every token issued so far: the next call with one answers 401, a new works."""
        with self._lock:
            self._revocations += 1

    def _epoch(self) -> int:
        return int(self._option("token_epoch", 0)) + self._revocations

    def moment_with_every_status(
        self, after: float | None = None, within_s: float = 7 * DAY_S
    ) -> float:
        """The first instant from ``after`` (default now) at which our livestreams hold all six
        statuses at once. ``paused`` lasts minutes, so the candidates are the starts of pauses.
        """
        after = self.ctx.clock.now() if after is None else after
        starts = sorted(
            p0
            for ls in self.livestreams(after + within_s)
            for p0, _ in ls.pauses
            if after <= p0 < after + within_s
        )
        for at in (after, *starts):
            if {self.status(ls, at) for ls in self.livestreams(at)} == STATUSES:
                return at
        raise LookupError(f"no instant with every status within {within_s} s of {after}")

    def status(self, ls: Livestream, now: float) -> str:
        with self._lock:
            forced = self._forced_end.get(ls.id)
        return ls.status_at(now, forced, self._replay_s())

    # --- request plumbing ---

    def _grant(self, request: Request) -> Grant | None:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.tokens.check(token.strip(), self.ctx.clock.now(), self._epoch())

    def _target(
        self, request: Request, scope: str
    ) -> tuple[Livestream | None, float, Response | None]:
        """Authenticate and find the path's livestream: (livestream, now, error answer)."""
        grant = self._grant(request)
        now = self.ctx.clock.now()
        if grant is None:
            with self._lock:
                self.unauthorized += 1
            return (
                None,
                now,
                json_response(
                    {"error": "Unauthorized"},
                    401,
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                ),
            )
        lid = request.path_params["live_stream_id"]
        if not ID_RE.match(lid):
            return None, now, error("Invalid livestream ID", 400)
        ls = self.livestream(lid, now)
        if ls is None:
            return None, now, error(NOT_FOUND, 404)
        if ls.business_id != self.business_id or scope not in grant.scopes:
            return None, now, error("Access denied", 401)
        return ls, now, None

    # --- handlers ---

    async def token(self, request: Request) -> Response:
        values = await token_form(request)
        if not values["grant_type"] or not values["client_id"] or not values["client_secret"]:
            return error("invalid_request", 400)
        if values["grant_type"] != "client_credentials":
            return error("unsupported_grant_type", 400)
        if values["client_id"] != self._option("client_id", DEFAULT_CLIENT_ID) or values[
            "client_secret"
        ] != self._option("client_secret", DEFAULT_CLIENT_SECRET):
            return error("invalid_client", 401)
        scopes = parse_scope(values["scope"])
        if scopes is None:
            return error("invalid_scope", 400)
        ttl = int(self._option("token_ttl_s", TOKEN_TTL_S))
        token = self.tokens.issue(self.ctx.clock.now(), ttl, scopes, self._epoch())
        return json_response(
            {"access_token": token, "token_type": "bearer", "expires_in": ttl},
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    async def detail(self, request: Request) -> Response:
        ls, now, problem = self._target(request, "livestreams:read")
        if problem is not None:
            return problem
        assert ls is not None
        with self._lock:
            self.details += 1
        head = b'{"status":"' + self.status(ls, now).encode() + b'",'
        return Response(head + ls.body_tail[1:], media_type="application/json")

    async def no_route(self, request: Request) -> Response:
        """Unknown paths and methods, in Firework's error shape rather than Starlette's text."""
        allowed = sorted(
            {
                method
                for route in self._api_routes
                if route.matches(request.scope)[0] is not Match.NONE
                for method in route.methods or ()
            }
        )
        if allowed:
            return json_response(
                {"error": "Method not allowed"}, 405, {"Allow": ", ".join(allowed)}
            )
        return error("Not found", 404)

    async def pin(self, request: Request) -> Response:
        return await self._pins_change(request, pin=True)

    async def unpin(self, request: Request) -> Response:
        return await self._pins_change(request, pin=False)

    async def _pins_change(self, request: Request, pin: bool) -> Response:
        ls, now, problem = self._target(request, "livestreams:write")
        if problem is not None:
            return problem
        assert ls is not None
        ids, problem = await product_ids(request)
        if problem is not None:
            return problem
        status = self.status(ls, now)
        if pin and status not in LIVE:
            return error("Livestream must be active or paused to pin products", 422)
        with self._lock:
            self.pin_requests += 1
            current = self._pins.get(ls.id, ()) if status in LIVE else ()
            if pin:
                chosen = [i for i in ids if i in ls.pin_keys]
                if chosen:
                    self._pins[ls.id] = tuple(chosen)
            else:
                chosen = [i for i in ids if i in current]
                self._pins[ls.id] = tuple(i for i in current if i not in chosen)
        if not chosen:
            return error(f"No valid products found to {'pin' if pin else 'unpin'}", 404)
        key = "pinned_product_ids" if pin else "unpinned_product_ids"
        return json_response({key: chosen})

    async def end(self, request: Request) -> Response:
        ls, now, problem = self._target(request, "livestreams:write")
        if problem is not None:
            return problem
        assert ls is not None
        with self._lock:
            forced = self._forced_end.get(ls.id)
            if ls.status_at(now, forced, self._replay_s()) not in LIVE:
                return error("Livestream must be active or paused to end", 400)
            self._forced_end[ls.id] = now
            self._pins.pop(ls.id, None)
            self.ends += 1
        return json_response({"live_stream_id": ls.id, "status": "ended"})

    def pinned(self, live_stream_id: str) -> tuple[str, ...]:
        """What is pinned now (for tests: the reference's detail does not show pins)."""
        with self._lock:
            return self._pins.get(live_stream_id, ())
