"""Keep secrets out of every log line and exception message.

Two nets: every secret value a client is configured with is registered and replaced
wherever it shows up, and well-known secret-bearing shapes (``access_token=...`` in a URL,
an ``Authorization`` header) are masked even when the value was never registered (a token
minted at run time before anyone registered it).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "***"
_MIN_SECRET_LEN = 6
_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None

_SHAPES = re.compile(
    r"(?i)(?P<key>(?:access_token|refresh_token|client_secret|partner_key|api_key|apikey|sign|code"
    r"|password|token)[\"']?\s*[=:]\s*[\"']?)(?P<val>[^&\s\"',;}]+)"
    r"|(?P<auth>(?:authorization[\"']?\s*[:=]\s*[\"']?)?(?:bearer|oauth|apikey|basic)\s+)"
    r"(?P<cred>[A-Za-z0-9._~+/=-]{8,})"
)


def register_secret(value: str | None) -> None:
    """Remember a secret so it is masked wherever it appears from now on."""
    global _pattern
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """The text with every registered secret and secret-shaped value masked."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _SHAPES.sub(_mask_shape, text)


def _mask_shape(match: re.Match[str]) -> str:
    if match.group("key") is not None:
        return match.group("key") + MASK
    return match.group("auth") + MASK


def _redacting_factory(previous: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not ours
            return record
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return record

    factory.lsw_redacting = True  # type: ignore[attr-defined]
    return factory


def install_log_redaction() -> None:
    """Mask secrets in every log record of the process, whichever library logs it.

    A record factory (rather than a handler filter) catches records before any handler,
    including the ones Dagster and dlt attach themselves, sees them.
    """
    current = logging.getLogRecordFactory()
    if not getattr(current, "lsw_redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))
    # httpx logs every URL at INFO; Shopee puts tokens in query strings.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
