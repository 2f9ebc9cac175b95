"""A load run as its own process, for the SIGKILL drill: ``python -m tests.faults.kill_child
<provider> <folder>`` loads the drill window into ``<folder>/drill.duckdb`` with the
SOURCES__ variables it inherits; the drill kills it part-way."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.faults.drill import load

if __name__ == "__main__":
    load(Path(sys.argv[2]), "drill", sys.argv[1])
