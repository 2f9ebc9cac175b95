"""`lsw check`: one cheap call per configured provider to prove its credentials work."""

from __future__ import annotations

from typing import Any

from pipelines.errors import ProviderError
from pipelines.spec import ProviderSpec


def check(spec: ProviderSpec[Any], config: Any) -> tuple[bool, str]:
    """(ok, message) for one provider; a failure message names provider, endpoint and cause."""
    try:
        return True, spec.check(config)
    except ProviderError as exc:
        return False, str(exc)
