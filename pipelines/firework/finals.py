"""Final statuses the history step read, handed to the status snapshot that follows it.

`lsw run` loads a provider's history and then takes its status snapshot, in one process. A
year's history reads every configured livestream (78,000 at sandbox scale 25), and the
snapshot read each of them again, seconds later, to learn a status that cannot change any
more (``completed`` or ``expired``). The history step notes each final status it read here;
the snapshot takes those instead of asking again, and reads only the rest. What is kept is
small (id, status, schedule) and lasts one history step: the next one starts afresh, and an
observation older than ``KEPT_S`` is not used.
"""

from __future__ import annotations

import threading
import time
from typing import cast

from pipelines.firework.schema import FINAL, Detail
from pipelines.firework.settings import FireworkConfig

KEPT_S = 3600.0

Key = tuple[str, str, str]
_lock = threading.Lock()
_finals: dict[Key, dict[str, tuple[Detail, float]]] = {}


def _key(config: FireworkConfig) -> Key:
    return (config.base_url, config.client_id, config.account_id)


def begin(config: FireworkConfig) -> None:
    """A history step starts: what an earlier one noted is dropped."""
    with _lock:
        _finals[_key(config)] = {}


def note(config: FireworkConfig, livestream_id: str, detail: Detail) -> None:
    """Keep the status of a livestream read in a final state."""
    if detail["status"] not in FINAL:
        return
    kept = cast(Detail, {"status": detail["status"], "scheduled_at": detail.get("scheduled_at")})
    with _lock:
        _finals.setdefault(_key(config), {})[livestream_id] = (kept, time.monotonic())


def take(config: FireworkConfig, ids: list[str]) -> dict[str, Detail]:
    """The final statuses noted for ``ids`` (``status`` and ``scheduled_at`` of each), which
    are then forgotten."""
    fresh_after = time.monotonic() - KEPT_S
    found: dict[str, Detail] = {}
    with _lock:
        noted = _finals.get(_key(config), {})
        for livestream_id in ids:
            got = noted.pop(livestream_id, None)
            if got is not None and got[1] >= fresh_after:
                found[livestream_id] = got[0]
    return found
