"""Another process using one Shopee account's tokens from a shared store (crash and race tests).

``python -m tests.pipelines.shopee.token_child MODE STORE USER_ID SESSION_ID``, configured by
the SOURCES__SHOPEE__ variables it inherits. Modes:

- ``die-after-refresh``: killed by SIGKILL the instant its refreshed tokens are durably
  stored, before it uses them;
- ``race``: prints ``ready``, waits for a ``go`` file beside the store, then takes a token
  and makes one call, as another process does the same.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from pipelines.config import read_config
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.schema import ITEM_COUNT
from pipelines.shopee.settings import ShopeeConfig
from pipelines.tokens import FileTokenStore, Tokens


def _die_after_save() -> None:
    save = FileTokenStore.save

    def save_then_die(self: FileTokenStore, provider: str, account: str, tokens: Tokens) -> None:
        save(self, provider, account, tokens)
        os.kill(os.getpid(), signal.SIGKILL)

    FileTokenStore.save = save_then_die  # type: ignore[method-assign]


def main() -> None:
    mode, folder, user_id, session_id = sys.argv[1], Path(sys.argv[2]), *map(int, sys.argv[3:5])
    config = read_config(ShopeeConfig)
    assert config is not None
    if mode == "die-after-refresh":
        _die_after_save()
    elif mode == "race":
        print("ready", flush=True)
        go = folder.parent / "go"
        while not go.exists():
            time.sleep(0.001)
    with ShopeeApi(config, store=FileTokenStore(folder)) as api:
        answer = api.get(user_id, "get_item_count", ITEM_COUNT, session_id=session_id)
    print(f"ok {answer['item_count']}", flush=True)


if __name__ == "__main__":
    main()
