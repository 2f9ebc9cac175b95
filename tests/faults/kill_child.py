"""A load run as its own process, for the SIGKILL drills:
``python -m tests.faults.kill_child <provider> <folder> [extract|load]``.

``extract`` loads the drill window into ``<folder>/drill.duckdb`` with the SOURCES__
variables it inherits; the drill kills it part-way through fetching. ``load`` runs the
product's own load step (``dagster_project.dlt_run.load``) and, right after the first file
of the load reached the warehouse (the merge not done yet), writes ``<folder>/kill-now``
and waits to be killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from tests.faults.drill import load, product_load

PAUSE_S = 120.0


def _pause_after(original: Any, marker: Path) -> Any:
    def paused(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        marker.touch()
        time.sleep(PAUSE_S)  # the drill's SIGKILL lands here
        return result

    return paused


if __name__ == "__main__":
    provider, folder = sys.argv[1], Path(sys.argv[2])
    moment = sys.argv[3] if len(sys.argv) > 3 else "extract"
    marker = folder / "kill-now"
    if moment == "extract":
        load(folder, "drill", provider)
    else:
        from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob

        DuckDbCopyJob.run = _pause_after(DuckDbCopyJob.run, marker)  # type: ignore[method-assign]
        product_load(folder, "drill", provider)
