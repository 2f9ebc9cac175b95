"""Assemble the provider services and the admin API into one ASGI app."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router

from sandbox.clock import Clock
from sandbox.config import SandboxConfig
from sandbox.faults import FaultLayer
from sandbox.jsonresp import json_response
from sandbox.knobs import ProviderKnobs, ProviderState
from sandbox.providers import SERVICES
from sandbox.providers.base import ProviderService, ServiceContext, stats_of
from sandbox.seeds import derive

MAX_VARIABLE = 64 * 1024  # bytes of one exported variable; Linux allows at most 128 KiB


@dataclass
class Runtime:
    """Everything a running sandbox holds, reachable from the admin API and from tests."""

    config: SandboxConfig
    clock: Clock
    services: dict[str, ProviderService]

    def env_config(self, base_url: str) -> dict[str, str]:
        env: dict[str, str] = {}
        for name, service in self.services.items():
            env.update(service.env_config(f"{base_url}/{name}"))
        return env

    def compact_env(
        self, base_url: str, folder: Path | None = None, max_bytes: int = MAX_VARIABLE
    ) -> dict[str, str]:
        """``env_config`` that a shell can export: a value over ``MAX_VARIABLE`` bytes (a
        year of Firework ids or Shopee sessions at scale 25 is megabytes; Linux refuses a
        variable over 128 KiB) is written to a JSON file in ``folder`` (a new temporary
        folder by default) and named by ``<KEY>_FILE``, which the sources read instead."""
        env: dict[str, str] = {}
        for key, value in self.env_config(base_url).items():
            if len(value) <= max_bytes:
                env[key] = value
                continue
            folder = folder or Path(tempfile.mkdtemp(prefix="lsw-sandbox-"))
            path = folder / f"{key.lower()}.json"
            path.write_text(value)
            env[f"{key}_FILE"] = str(path)
        return env


def build_app(config: SandboxConfig) -> tuple[Starlette, Runtime]:
    clock = Clock(config.frozen_at)
    services: dict[str, ProviderService] = {}
    mounts: list[Mount] = []
    unknown = set(config.providers or []) - {cls.name for cls in SERVICES}
    if unknown:
        raise ValueError(f"unknown providers {sorted(unknown)}")
    for cls in SERVICES:
        if config.providers is not None and cls.name not in config.providers:
            continue
        raw = {**cls.default_knobs(), **config.knobs.get(cls.name, {})}
        state = ProviderState(cls.name, ProviderKnobs.from_dict(raw), derive(config.seed, cls.name))
        service = cls(ServiceContext(config.seed, config.scale, config.days, clock, state))
        services[cls.name] = service
        mounts.append(
            Mount(f"/{cls.name}", app=FaultLayer(Router(service.routes()), service, state))
        )
    runtime = Runtime(config, clock, services)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        for service in services.values():
            await service.startup()
        try:
            yield
        finally:
            for service in services.values():
                await service.shutdown()

    app = Starlette(routes=[*_admin_routes(runtime), *mounts], lifespan=lifespan)
    return app, runtime


def _admin_routes(rt: Runtime) -> list[Route]:
    def service_of(request: Request) -> ProviderService | None:
        return rt.services.get(request.path_params["provider"])

    async def health(_: Request) -> Response:
        return json_response({"ok": True, "providers": sorted(rt.services)})

    async def env(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return json_response(rt.env_config(base))

    async def stats(_: Request) -> Response:
        return json_response({n: stats_of(s) for n, s in rt.services.items()})

    async def knobs(request: Request) -> Response:
        service = service_of(request)
        if service is None:
            return json_response({"error": "no such provider"}, 404)
        state = service.ctx.state
        if request.method == "PUT":
            try:
                # knobs the PUT does not name go back to the provider's defaults (Trovo's
                # documented rate limit), never to none at all
                asked = orjson.loads(await request.body())
                if not isinstance(asked, dict):
                    raise ValueError("knobs must be a JSON object")
                state.replace_knobs(ProviderKnobs.from_dict({**service.default_knobs(), **asked}))
            except (ValueError, TypeError) as exc:
                return json_response({"error": str(exc)}, 400)
        return json_response(state.knobs.to_dict())

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            body = orjson.loads(await request.body() or b"{}")
            if "frozen_at" in body:
                rt.clock.freeze(body["frozen_at"])
            if "advance_s" in body:
                rt.clock.advance(float(body["advance_s"]))
        return json_response({"now": rt.clock.now(), "frozen": rt.clock.frozen})

    return [
        Route("/_admin/health", health),
        Route("/_admin/env", env),
        Route("/_admin/stats", stats),
        Route("/_admin/knobs/{provider}", knobs, methods=["GET", "PUT"]),
        Route("/_admin/clock", clock, methods=["GET", "POST"]),
    ]
