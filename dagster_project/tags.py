"""The run tag that names what a run loads, for per-provider run limits.

Every run lsw creates (the schedules, the sensors, `lsw run`) carries ``lsw/provider``: the
provider it loads, or ``marts`` for a rebuild of the marts alone. A queued run coordinator
(deploy/postgres/dagster.yaml) limits runs per value of that tag, so two runs of one provider
never compete for its rate limit or its single-use refresh tokens while other providers go
at once (docs/scale-out.md).
"""

from __future__ import annotations

from collections.abc import Iterable

PROVIDER_TAG = "lsw/provider"
MARTS = "marts"


def provider_tag(providers: Iterable[str]) -> dict[str, str]:
    """The tag of a run loading ``providers`` (several in one CLI run: joined, sorted)."""
    chosen = sorted(set(providers))
    return {PROVIDER_TAG: ",".join(chosen) if chosen else MARTS}
