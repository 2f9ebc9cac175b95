"""`lsw sandbox --print-config` at scale 25 printed a 5 MB variable no shell can export; long
lists now go to files named by ``<KEY>_FILE``, which the sources read the same."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from pipelines.config import read_config
from pipelines.firework import FireworkConfig
from pipelines.shopee.settings import ShopeeConfig
from sandbox import SandboxServer, dlt_config


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


def test_write_config_puts_long_lists_beside_secrets_toml(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lsw sandbox --write-config` at scale 25 wrote 5 MB of inline TOML that tomlkit took
    minutes to write and dlt as long to read; long lists now go to JSON files it names."""
    monkeypatch.setattr(dlt_config, "MAX_INLINE", 2000)
    full = sandbox.runtime.env_config(sandbox.url)
    written = dlt_config.write(full, sandbox.url, tmp_path)
    doc = tomllib.loads(written.read_text())["sources"]
    assert "sessions" not in doc["shopee"] and "livestream_ids" not in doc["firework"]
    for provider, key in (("shopee", "sessions"), ("firework", "livestream_ids")):
        path = Path(doc[provider][f"{key}_file"])
        assert path.parent == written.parent and path.stat().st_mode & 0o777 == 0o600
        assert json.loads(path.read_text()) == json.loads(
            full[f"SOURCES__{provider.upper()}__{key.upper()}"]
        )
    assert doc["shopee"]["accounts"] == json.loads(full["SOURCES__SHOPEE__ACCOUNTS"])
    assert written.stat().st_size < 6000 and written.stat().st_mode & 0o777 == 0o600
