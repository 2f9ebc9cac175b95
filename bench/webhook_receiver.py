"""LiSA webhook receiver: deliveries acknowledged per second with durable storage, and p99.

    uv run python -m bench.webhook_receiver          # --seconds 10 --connections 16

Starts `lsw webhooks serve` as its own process on a fresh state directory and drives it with
``wrk`` (Debian package ``wrk``; C, one thread, so the load generator is not the bottleneck)
and ``bench/webhook_receiver.lua``: every request a distinct ~2 KB show event with the
receiver's bearer credential. Two receivers side by side: group commit (the default) and one
commit per delivery (``--max-batch 1``). After each run the landing store is counted: every
acknowledged delivery must be in it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LSW = [sys.executable, "-c", "from lsw.cli import app; app()"]
LUA = Path(__file__).with_suffix(".lua")
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * UNITS[unit]


def run_one(max_batch: int, seconds: int, connections: int) -> dict[str, float]:
    state = Path(tempfile.mkdtemp(prefix="lsw-bench-webhooks-"))
    env = {**os.environ, "LSW_STATE_DIR": str(state)}
    server = subprocess.Popen(
        [*LSW, "webhooks", "serve", "--port", "0", "--max-batch", str(max_batch)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[-1]
        from live.credentials import load_secret
        from pipelines.tokens import FileTokenStore

        secret = load_secret(FileTokenStore(state / "tokens"))
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), url],
            env={**env, "LSW_BENCH_AUTH": f"Bearer {secret}"},
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            raise SystemExit(f"wrk failed: {out.stdout} {out.stderr}")
        report = out.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    total = int(re.search(r"(\d+) requests in", report).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    errors = re.search(r"Socket errors: (.*)", report)
    acked = total - (int(bad.group(1)) if bad else 0)
    with sqlite3.connect(state / "landing.sqlite3") as con:
        stored = con.execute("select count(*) from records").fetchone()[0]
    shutil.rmtree(state, ignore_errors=True)
    if stored < acked:
        raise SystemExit(f"lost deliveries: {acked} acknowledged, {stored} stored")
    return {
        "per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"^\s*50%\s+(\S+)", report, re.M).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"^\s*99%\s+(\S+)", report, re.M).group(1)),  # type: ignore[union-attr]
        "acked": acked,
        "stored": stored,
        "socket_errors": 0 if errors is None else 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install wrk")
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {args.connections} connections")
    print("| receiver | acknowledged/s | p50 | p99 | acknowledged | stored |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    results = {}
    for label, batch in (("group commit", 2_000), ("one commit per delivery", 1)):
        r = run_one(batch, args.seconds, args.connections)
        results[label] = r
        print(
            f"| {label} | {r['per_s']:,.0f} | {r['p50']:.1f} ms | {r['p99']:.1f} ms "
            f"| {r['acked']:,.0f} | {r['stored']:,.0f} |"
        )
    ratio = results["group commit"]["per_s"] / results["one commit per delivery"]["per_s"]
    print(f"group commit: {ratio:.1f}x the deliveries per second")


if __name__ == "__main__":
    main()
