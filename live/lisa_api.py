"""LiSA's webhook API through the shared HTTP layer: subscriptions, and an event fetched again.

Paths and payloads as docs/providers/lisa.md describes them: ``GET|POST /webhooks``,
``GET|DELETE /webhooks/{id}``, ``GET /webhooks/events/{id}``.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from pipelines.errors import MalformedResponse, ProviderError
from pipelines.http import ProviderClient
from pipelines.lisa.client import classify, lisa_client
from pipelines.lisa.settings import PROVIDER, LisaConfig

EVENT_TYPES = ["Show:*"]  # every show event; the sensor acts on start, stop and update


def _json(endpoint: str) -> Any:
    def parse(response: httpx.Response) -> Any:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise MalformedResponse(PROVIDER, endpoint, "malformed response: not JSON") from None

    return parse


class WebhookApi:
    """LiSA's webhook endpoints for one configured account."""

    def __init__(self, config: LisaConfig) -> None:
        self.client: ProviderClient = lisa_client(config)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> WebhookApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        return self.client.request(
            method, path, _json(f"{method} {path}"), classify=classify(self.client), **kw
        )

    def subscribe(self, url: str, credentials: dict[str, str]) -> dict[str, Any]:
        body = {"eventTypes": EVENT_TYPES, "webhookUrl": url, "credentials": credentials}
        answer = self._call("POST", "/webhooks", json=body)
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
            raise MalformedResponse(PROVIDER, "POST /webhooks", "malformed response: id: missing")
        return answer

    def subscriptions(self) -> list[dict[str, Any]]:
        answer = self._call("GET", "/webhooks")
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise MalformedResponse(PROVIDER, "GET /webhooks", "malformed response: items: missing")
        return [item for item in items if isinstance(item, dict)]

    def unsubscribe(self, subscription_id: str) -> None:
        path = f"/webhooks/{subscription_id}"
        self.client.request("DELETE", path, lambda r: None, classify=classify(self.client))

    def event(self, event_id: str) -> dict[str, Any] | None:
        """The event as LiSA sent it, or None when LiSA does not know the id."""
        try:
            answer = self._call("GET", f"/webhooks/events/{event_id}")
        except ProviderError as exc:
            if exc.status == 404:
                return None
            raise
        return answer if isinstance(answer, dict) else None
