"""`lsw sandbox --print-config` at scale 25 printed a 5 MB variable no shell can export; long
lists now go to files named by ``<KEY>_FILE``, which the sources read the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.config import read_config
from pipelines.firework import FireworkConfig
from pipelines.shopee.settings import ShopeeConfig
from sandbox import SandboxServer


def test_long_lists_go_to_files_the_sources_read_alike(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = sandbox.runtime.env_config(sandbox.url)
    compact = sandbox.runtime.compact_env(sandbox.url, tmp_path, max_bytes=2000)
    long = {k for k, v in full.items() if len(v) > 2000}
    assert long == {"SOURCES__SHOPEE__SESSIONS", "SOURCES__FIREWORK__LIVESTREAM_IDS"}
    assert set(compact) == (set(full) - long) | {f"{k}_FILE" for k in long}
    assert max(len(v) for v in compact.values()) <= 2000
    for key in long:
        assert json.loads(Path(compact[f"{key}_FILE"]).read_text()) == json.loads(full[key])
    for key, value in compact.items():
        monkeypatch.setenv(key, value)
    firework, shopee = read_config(FireworkConfig), read_config(ShopeeConfig)
    assert firework is not None and shopee is not None
    assert firework.ids() == json.loads(full["SOURCES__FIREWORK__LIVESTREAM_IDS"])
    assert [(s.user_id, s.session_id) for s in shopee.session_list()] == [
        (s["user_id"], s["session_id"]) for s in json.loads(full["SOURCES__SHOPEE__SESSIONS"])
    ]
