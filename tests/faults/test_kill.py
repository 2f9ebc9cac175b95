"""Drill 6: a load killed with SIGKILL in the middle of extracting: the next run is exact, and
no account is locked (its tokens, stored before use, still work)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sandbox import SandboxServer
from tests.faults.drill import assert_no_secret, contents, load

ROOT = Path(__file__).resolve().parents[2]


def test_drill_6_sigkill_during_extract_then_the_next_run_is_exact(
    drill: SandboxServer, expected: dict[str, Any], tokens: Path, tmp_path: Path
) -> None:
    for provider in ("shopee",):
        drill.set_knobs(provider, latency_ms=5)  # slow enough to be caught mid-extract
        before = drill.stats()[provider]["requests"]
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.kill_child", provider, str(tmp_path)],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while drill.stats()[provider]["requests"] - before < 20:
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
        drill.set_knobs(provider)
        report = load(tmp_path, "drill", provider)
        assert not report.failed, report.summary()
    got = contents(tmp_path, "drill")
    assert got == {t: r for t, r in expected.items() if t.startswith("shopee.")}
    assert_no_secret(drill, tokens, tmp_path)
