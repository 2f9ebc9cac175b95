"""One worker of test_state_ratelimit: ``python -m tests.scaleout.burst <base_url> <client_id>
<requests> <limit> <window_s>`` says ``ready``, waits for a line on stdin, then sends
``<requests>`` Trovo calls under the client id's shared limit, each tried once: a single
refusal for the rate limit ends it with a non-zero exit."""

from __future__ import annotations

import sys

from pipelines.http import HttpSettings, ProviderClient
from pipelines.ratelimit import limit_key


def burst(base_url: str, client_id: str, requests: int, limit: int, window_s: float) -> None:
    settings = HttpSettings(
        max_attempts=1,
        rate_limit=limit,
        rate_window_s=window_s,
        shared_limit_key=limit_key("trovo", client_id),  # as pipelines/trovo/helpers.py
    )
    headers = {"Client-ID": client_id, "Accept": "application/json"}
    with ProviderClient("trovo", base_url, headers=headers, settings=settings) as client:
        print("ready", flush=True)
        sys.stdin.readline()
        for _ in range(requests):
            client.request("GET", "/categorys/top", lambda r: r.status_code)


if __name__ == "__main__":
    base, client, n, limit, window = sys.argv[1:6]
    burst(base, client, int(n), int(limit), float(window))
