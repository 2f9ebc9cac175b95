"""Provider configuration through dlt's own resolution (env vars, .dlt/config.toml, secrets.toml).

Each provider declares its keys once, as a dlt ``configspec`` that extends ``ProviderConfig``:
types, required keys and secrets (``TSecretStrValue``) live in that one class, and dlt finds
the values in section ``sources.<provider>`` (env ``SOURCES__<PROVIDER>__<KEY>``).
"""

from __future__ import annotations

import json
import time
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.exceptions import (
    ConfigFieldMissingException,
    ConfigProviderException,
    ConfigurationException,
    ConfigurationValueError,
)
from dlt.common.configuration.specs import BaseConfiguration
from dlt.common.typing import is_optional_type

from pipelines.errors import ConfigError, ConfigFileError
from pipelines.http import HttpSettings

C = TypeVar("C", bound="ProviderConfig")

# After midnight UTC, so yesterday is whole; staggering is left to users with many providers.
DEFAULT_DAILY_CRON = "30 1 * * *"


@configspec
class ProviderConfig(BaseConfiguration):
    """Keys every provider section accepts: where the API is, and how to talk to it.

    Attributes:
        base_url: the provider's API base URL (each provider sets its documented default).
        timeout_s: how long one request may take before it counts as failed.
        max_attempts: attempts per request, the first included.
        backoff_s: first backoff delay; doubles per attempt, with jitter.
        backoff_max_s: cap on one backoff delay of our own choosing.
        retry_after_max_s: cap on a wait a provider asks for with ``Retry-After``.
        rate_limit: a client-side cap: at most this many requests per ``rate_window_s``.
        rate_window_s: the rate limit's window.
        concurrency: requests in flight at once (accounts, sellers or sessions fetched together).
        lookback_days: the daily schedule loads yesterday and this many days before it, so
            figures a provider settles late (orders, views of a replay) are loaded again.
        daily_cron: when the daily schedule runs (cron, UTC).
        snapshot_cron: when point-in-time data is taken (cron, UTC); None: the provider's own.
        time_budget_s: the most one run of the provider may take (None: no limit); once
            spent it stops with one line and keeps what it fetched (docs/orchestration.md).
    """

    base_url: str = None  # type: ignore[assignment]
    timeout_s: float = HttpSettings.timeout_s
    max_attempts: int = HttpSettings.max_attempts
    backoff_s: float = HttpSettings.backoff_s
    backoff_max_s: float = HttpSettings.backoff_max_s
    retry_after_max_s: float = HttpSettings.retry_after_max_s
    rate_limit: int | None = HttpSettings.rate_limit
    rate_window_s: float = HttpSettings.rate_window_s
    concurrency: int = 4
    lookback_days: int = 2
    daily_cron: str = DEFAULT_DAILY_CRON
    snapshot_cron: str | None = None
    time_budget_s: float | None = 3600.0

    provider: ClassVar[str] = ""

    def http(self) -> HttpSettings:
        """The HTTP settings this section sets (every HttpSettings field it has a key for)."""
        keys = {f.name for f in fields(HttpSettings)} & set(self.get_resolvable_fields())
        settings = HttpSettings(**{key: getattr(self, key) for key in keys})
        budget = settings.time_budget_s
        started = self.__dict__.get("_started_at")
        deadline = started + budget if started is not None and budget else None
        return replace(settings, max_attempts=max(1, settings.max_attempts), deadline=deadline)

    def start_clock(self) -> None:
        """The run starts now: every client made from this config shares the time budget."""
        self.__dict__["_started_at"] = time.monotonic()


def listed_in_file(path: str | None, key: str, provider: str) -> list[Any]:
    """A long list kept in a JSON file (``<key>_file``) rather than in the variable itself:
    a shell cannot export a variable of megabytes (a year of configured ids)."""
    if not path:
        raise ConfigError(
            f"{provider}: configuration: missing {key} (or {key}_file) in sources.{provider}"
        )
    try:
        with open(Path(path).expanduser(), "rb") as file:
            value = json.load(file)
    except OSError as exc:
        raise ConfigError(
            f"{provider}: configuration: sources.{provider}.{key}_file: cannot read {path}: "
            f"{exc.strerror}"
        ) from None
    except ValueError:
        raise ConfigError(
            f"{provider}: configuration: sources.{provider}.{key}_file: {path} is not JSON"
        ) from None
    if not isinstance(value, list):
        raise ConfigError(
            f"{provider}: configuration: sources.{provider}.{key}_file: {path} must hold a list"
        )
    return value


def read_config(spec: type[C]) -> C | None:
    """The resolved section, None when nothing of it is set (the provider is skipped).

    A section that is only partly set, or holds a value of the wrong type, raises ConfigError
    in one line naming the keys and where dlt looked, never the values.
    """
    section = f"sources.{spec.provider}"
    env = f"SOURCES__{spec.provider.upper()}__"
    try:
        return resolve_configuration(spec(), sections=("sources", spec.provider))
    except ConfigFieldMissingException as exc:
        if set(exc.fields) >= required_keys(spec):
            return None  # none of its required keys: not configured (tuning keys alone are not)
        missing = ", ".join(exc.fields)
        raise ConfigError(
            f"{spec.provider}: configuration: missing {missing} in {section} "
            f"(.dlt/config.toml, .dlt/secrets.toml or {env}{exc.fields[0].upper()})"
        ) from None
    except ConfigProviderException as exc:
        raise ConfigFileError(f"configuration: {provider_problem(exc)}") from None
    except ConfigurationValueError as exc:
        field = getattr(exc, "field_name", None)
        hint = getattr(exc, "hint", None)
        what = f"{section}.{field}" if field else section
        expected = f" as {getattr(hint, '__name__', hint)}" if hint is not None else ""
        raise ConfigError(
            f"{spec.provider}: configuration: {what}: cannot be read{expected}"
        ) from None
    except ConfigurationException as exc:  # e.g. a secret written in config.toml
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{spec.provider}: configuration: {first}") from None


def required_keys(spec: type[ProviderConfig]) -> set[str]:
    """The keys without a default that are not optional: what makes a provider configured."""
    blank = spec()
    return {
        name
        for name, hint in spec.get_resolvable_fields().items()
        if getattr(blank, name, None) is None and not is_optional_type(hint)
    }


def provider_problem(exc: ConfigProviderException) -> str:
    """One line for a config file dlt could not read: the file and what is wrong where."""
    file_name = getattr(exc, "file_name", None) or exc.provider_name
    lines = str(exc).strip().splitlines()
    return f"cannot read .dlt/{file_name}: {lines[-1] if lines else 'unreadable'}"


__all__ = ["ConfigError", "ProviderConfig", "configspec", "read_config"]
