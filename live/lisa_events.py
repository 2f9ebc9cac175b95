"""What a LiSA webhook delivery must look like to be stored (docs/live.md).

A delivery is a JSON object ``{id, eventType, eventDate, client, detail, change}``; ``id`` is a
UUID and is what makes a retried delivery the same record. Anything else is refused with a
one-line reason (answered 400), so LiSA's retries of a broken sender do not fill the store.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

import orjson

SOURCE = "lisa.event"
EVENT_TYPE = re.compile(r"^[A-Z][A-Za-z]*:[a-z*]+$")


class BadEvent(ValueError):
    """The body is not a LiSA event; the message says which field and why."""


def parse_event(body: bytes) -> dict[str, Any]:
    """The delivery as a dict, checked: raises BadEvent naming what is wrong."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadEvent("body is not JSON") from None
    if not isinstance(doc, dict):
        raise BadEvent("body is not a JSON object")
    event_id = doc.get("id")
    if not isinstance(event_id, str):
        raise BadEvent("id: missing")
    try:
        uuid.UUID(event_id)
    except ValueError:
        raise BadEvent("id: not a UUID") from None
    kind = doc.get("eventType")
    if not isinstance(kind, str) or not EVENT_TYPE.match(kind):
        raise BadEvent("eventType: missing or not Collection:action")
    when = doc.get("eventDate")
    if not isinstance(when, str):
        raise BadEvent("eventDate: missing")
    try:
        datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        raise BadEvent("eventDate: not an ISO-8601 date-time") from None
    if not isinstance(doc.get("client"), str):
        raise BadEvent("client: missing")
    if not isinstance(doc.get("detail"), dict):
        raise BadEvent("detail: missing or not an object")
    if "change" in doc and not isinstance(doc["change"], dict):
        raise BadEvent("change: not an object")
    return doc
