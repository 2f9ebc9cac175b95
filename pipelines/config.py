"""Read a provider's section of dlt's configuration (env vars, .dlt/config.toml, secrets.toml)."""

from __future__ import annotations

from typing import Any

import dlt

from pipelines.http import HttpSettings


class Section:
    """``sources.<provider>`` as dlt resolves it: env ``SOURCES__<PROVIDER>__<KEY>``, TOML files."""

    def __init__(self, provider: str) -> None:
        self.provider = provider

    def get(self, key: str, expected: type[Any] = str, default: Any = None) -> Any:
        value: Any = dlt.config.get(f"sources.{self.provider}.{key}", expected)
        return default if value is None else value

    def secret(self, key: str) -> str | None:
        value: Any = dlt.secrets.get(f"sources.{self.provider}.{key}")
        return None if value is None else str(value)

    def http(self, defaults: HttpSettings) -> HttpSettings:
        """HTTP settings, each overridable as an optional key of the section."""
        raw = {
            field: self.get(field, type(getattr(defaults, field) or 0))
            for field in (
                "timeout_s",
                "max_attempts",
                "backoff_s",
                "backoff_max_s",
                "retry_after_max_s",
                "rate_limit",
                "rate_window_s",
            )
        }
        return HttpSettings(
            **{**defaults.__dict__, **{k: v for k, v in raw.items() if v is not None}}
        )
