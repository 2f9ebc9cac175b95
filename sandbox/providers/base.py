"""What every provider service in the sandbox provides, so the five slot in as siblings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from starlette.responses import Response
from starlette.routing import BaseRoute

from sandbox.clock import Clock
from sandbox.jsonresp import json_response
from sandbox.knobs import ProviderState


@dataclass
class ServiceContext:
    """Shared by all services of one sandbox: the world's seed and size, the clock, the state."""

    seed: int
    scale: int
    days: int
    clock: Clock
    state: ProviderState


class ProviderService:
    """Base class of a provider's stand-in.

    A subclass names itself (``name`` as in docs/contract.md), serves its routes below
    ``/<name>``, and says how its own error answers look, which the fault layer uses for
    injected 5xx and rate-limit answers.
    """

    name: ClassVar[str]

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @classmethod
    def default_knobs(cls) -> dict[str, Any]:
        """Knobs a provider starts with unless told otherwise (Trovo's documented limit)."""
        return {}

    def routes(self) -> list[BaseRoute]:
        raise NotImplementedError

    def env_config(self, base_url: str) -> dict[str, str]:
        """The ``SOURCES__<PROVIDER>__*`` variables that point our source at this service."""
        raise NotImplementedError

    def error_response(self, kind: str, status: int, retry_after: float) -> Response:
        """The provider's answer for an injected ``server_error`` or ``rate_limited`` fault."""
        if kind == "rate_limited":
            return json_response(
                {"error": "rate limited"}, 429, {"Retry-After": f"{max(retry_after, 0):.0f}"}
            )
        return json_response({"error": "internal server error"}, status)

    def rate_headers(self, limit: int | None, remaining: int, reset_s: float) -> Mapping[str, str]:
        """Headers sent on every answer (Trovo's ``x-ratelimit-*``); none by default."""
        return {}

    async def startup(self) -> None:
        """Start background work (LiSA's webhook deliveries)."""

    async def shutdown(self) -> None:
        """Stop background work."""


def stats_of(service: ProviderService) -> dict[str, Any]:
    """Generic counters plus whatever the service counts itself (credits spent, say)."""
    extra = getattr(service, "stats", None)
    return {**service.ctx.state.stats(), **(extra() if callable(extra) else {})}
