"""Final statuses the history step read, handed to the status snapshot that follows it.

`lsw run` loads a provider's history and then takes its status snapshot. A year's history
reads every configured livestream (78,000 at sandbox scale 25), and the snapshot read each of
them again, seconds later, to learn a status that cannot change any more (``completed`` or
``expired``). The history step notes each final status it read here; the snapshot takes
those instead of asking again, and reads only the rest. Each step may run in a process of
its own (dagster_project/provider_process.py), so what was noted is also saved to a file
under the state directory when the history step's reading ends. What is kept is small (id,
status, schedule) and lasts one history step: the next one starts afresh, and an
observation older than ``KEPT_S`` is not used.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import cast

import orjson

from pipelines.firework.schema import FINAL, Detail
from pipelines.firework.settings import FireworkConfig
from warehouse.paths import state_dir

KEPT_S = 3600.0

Key = tuple[str, str, str]
_lock = threading.Lock()
_finals: dict[Key, dict[str, tuple[Detail, float]]] = {}


def _key(config: FireworkConfig) -> Key:
    return (config.base_url, config.client_id, config.account_id)


def _file(config: FireworkConfig) -> Path:
    name = hashlib.sha256(repr(_key(config)).encode()).hexdigest()[:16]
    return state_dir() / "firework" / f"finals-{name}.json"


def begin(config: FireworkConfig) -> None:
    """A history step starts: what an earlier one noted is dropped."""
    with _lock:
        _finals[_key(config)] = {}
    with suppress(OSError):
        _file(config).unlink(missing_ok=True)


def save(config: FireworkConfig) -> None:
    """The history step's reading ended: what it noted, for a snapshot in another process."""
    with _lock:
        noted = dict(_finals.get(_key(config), {}))
    if not noted:
        return
    path = _file(config)
    with suppress(OSError):  # the snapshot then asks again: slower, never wrong
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.part")
        part.write_bytes(orjson.dumps({i: [d, at] for i, (d, at) in noted.items()}))
        os.replace(part, path)


def _saved(config: FireworkConfig) -> dict[str, tuple[Detail, float]]:
    path = _file(config)
    try:
        raw = orjson.loads(path.read_bytes())
        path.unlink()
    except (OSError, orjson.JSONDecodeError):
        return {}
    found = {}
    for livestream_id, (detail, at) in raw.items():
        if detail.get("scheduled_at") is not None:  # orjson wrote the datetime as ISO 8601
            detail["scheduled_at"] = datetime.fromisoformat(detail["scheduled_at"])
        found[livestream_id] = (cast(Detail, detail), float(at))
    return found


def note(config: FireworkConfig, livestream_id: str, detail: Detail) -> None:
    """Keep the status of a livestream read in a final state."""
    if detail["status"] not in FINAL:
        return
    kept = cast(Detail, {"status": detail["status"], "scheduled_at": detail.get("scheduled_at")})
    with _lock:
        _finals.setdefault(_key(config), {})[livestream_id] = (kept, time.time())


def take(config: FireworkConfig, ids: list[str]) -> dict[str, Detail]:
    """The final statuses noted for ``ids`` (``status`` and ``scheduled_at`` of each), which
    are then forgotten."""
    fresh_after = time.time() - KEPT_S
    found: dict[str, Detail] = {}
    with _lock:
        noted = _finals.get(_key(config))
        if noted is None:  # the history step ran in another process
            noted = _finals[_key(config)] = _saved(config)
        for livestream_id in ids:
            got = noted.pop(livestream_id, None)
            if got is not None and got[1] >= fresh_after:
                found[livestream_id] = got[0]
    return found
