"""A benchmark's measured side in a process of its own, so that its peak memory is its own."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run_child(module: str, *args: str) -> dict[str, Any]:
    """``python -m module *args``; the JSON object its last line of output prints."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result
