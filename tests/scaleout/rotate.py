"""One machine's worth of Shopee refreshes, for test_state_tokens: ``python -m
tests.scaleout.rotate <times>`` says ``ready`` once imported, waits for a line on stdin (so
that every process starts at once), then spends the first configured account's refresh token
``<times>`` times through the token store ``LSW_STATE_URL`` names. Exits non-zero if a
refresh is refused."""

from __future__ import annotations

import sys

from pipelines.registry import SPECS
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.settings import ShopeeConfig


def rotate(times: int) -> None:
    config = SPECS["shopee"].read_config()
    assert isinstance(config, ShopeeConfig)
    with ShopeeApi(config) as api:
        keeper = api.keeper(config.account_list()[0].user_id)
        print("ready", flush=True)
        sys.stdin.readline()
        for _ in range(times):
            keeper.access_token()  # its token lives no longer than the margin: a refresh


if __name__ == "__main__":
    rotate(int(sys.argv[1]))
