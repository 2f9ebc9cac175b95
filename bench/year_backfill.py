"""A long backfill of all five providers: providers at once (threads) against one at a time.

Each side is `lsw run`'s own path (lsw.runner.materialize, one Dagster run with the threaded
executor) in a process of its own, into a fresh warehouse, against one sandbox process
(``--scale``, ``--days``, ``--latency-ms`` per request); only ``max_concurrent`` differs:
5 (every provider at once, the default) or 1 (steps one after another, as before). It reports
per side the wall time, the peak memory (max RSS) of the process, the requests each provider
made, and the failure lines; the last line is the ratio.

Run: ``uv run python -m bench.year_backfill [--days 365] [--scale 25]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sandbox import SandboxConfig
from sandbox.dlt_config import write
from sandbox.server import SandboxProcess

PROVIDERS = ["shopee", "tiktok_shop", "firework", "trovo", "lisa"]
CHILD = """
import json, resource, sys, time
from datetime import date
from lsw.runner import materialize
from warehouse import paths
paths.prepare()
first, last = date.fromisoformat(sys.argv[1]), date.fromisoformat(sys.argv[2])
concurrent = int(sys.argv[3])
began = time.perf_counter()
outcome = materialize(json.loads(sys.argv[4]), first, last, "bench", max_concurrent=concurrent)
print(json.dumps({"seconds": time.perf_counter() - began, "failures": outcome.failures,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def one_side(
    sandbox: SandboxProcess, concurrent: int, days: int, budget_s: float, workdir: Path
) -> dict[str, object]:
    last = datetime.now(UTC).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    home = workdir / f"x{concurrent}"
    # as `lsw sandbox --write-config` does: at scale 25 the lists of configured sessions are
    # more than a process environment can carry, and long ones go to JSON files beside it
    write(sandbox.env(), sandbox.url, home)
    env = {
        **os.environ,
        "LSW_WAREHOUSE": str(home / "warehouse.duckdb"),
        "LSW_STATE_DIR": str(workdir / "state"),
        # one token store for both sides (Shopee rotates refresh tokens on use), not the user's
        "LSW_TOKEN_DIR": str(workdir / "tokens"),
        "SOURCES__TIKTOK_SHOP__MAX_CREDITS_PER_RUN": "1000000",
    }
    env.pop("DAGSTER_HOME", None)
    for provider in PROVIDERS:
        env[f"SOURCES__{provider.upper()}__TIME_BUDGET_S"] = str(budget_s)
    before = sandbox.stats()
    args = [str(first), str(last), str(concurrent), json.dumps(PROVIDERS)]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    after = sandbox.stats()
    result["requests"] = {p: after[p]["requests"] - before[p]["requests"] for p in PROVIDERS}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scale", type=int, default=25)
    parser.add_argument("--budget-s", type=float, default=3600.0, help="time_budget_s")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="per request")
    args = parser.parse_args()
    config = SandboxConfig(seed=7, scale=args.scale, days=args.days + 5)
    workdir = Path(tempfile.mkdtemp(prefix="lsw-year-"))
    with SandboxProcess(config) as sandbox:
        for provider in PROVIDERS:  # a provider's answer takes time, as on the internet
            sandbox.set_knobs(provider, latency_ms=args.latency_ms)
        sides = {}
        for concurrent in (5, 1):
            sides[concurrent] = one_side(sandbox, concurrent, args.days, args.budget_s, workdir)
            print(f"max_concurrent={concurrent}: {json.dumps(sides[concurrent])}", flush=True)
    together, alone = sides[5], sides[1]
    ratio = float(str(alone["seconds"])) / float(str(together["seconds"]))
    print(
        f"{args.days} days, scale {args.scale}: providers at once {together['seconds']:.0f} s "
        f"(peak {together['max_rss_mb']:.0f} MB), one at a time {alone['seconds']:.0f} s "
        f"(peak {alone['max_rss_mb']:.0f} MB): {ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
