"""Where the warehouse, local state and the Dagster instance live (docs/contract.md).

One place decides, so `lsw` and `dagster dev` always agree on the same files.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_WAREHOUSE = Path("data") / "warehouse.duckdb"
DAGSTER_YAML = """\
# Written by lsw: runs are stored here so `lsw run` shows up in the Dagster UI.
# Dagster's SQLite storage, writing a run's materialisations in batches
# (dagster_project/event_storage.py).
storage:
  custom:
    module: dagster_project.event_storage
    class: BatchedSqliteStorage
    config:
      base_dir:
        env: DAGSTER_HOME
telemetry:
  enabled: false
"""
# what lsw wrote before: Dagster's default storage, rewritten as the above
OLD_DAGSTER_YAML = """\
# Written by lsw: runs are stored here so `lsw run` shows up in the Dagster UI.
telemetry:
  enabled: false
"""


def warehouse_path(override: str | os.PathLike[str] | None = None) -> Path:
    """``--warehouse``, else ``LSW_WAREHOUSE``, else data/warehouse.duckdb under the cwd."""
    chosen = override or os.environ.get("LSW_WAREHOUSE") or DEFAULT_WAREHOUSE
    return Path(chosen).expanduser().absolute()


def state_dir(warehouse: Path | None = None) -> Path:
    """``LSW_STATE_DIR``, else ``.lsw/`` beside the warehouse file."""
    chosen = os.environ.get("LSW_STATE_DIR")
    if chosen:
        return Path(chosen).expanduser().absolute()
    return (warehouse or warehouse_path()).parent / ".lsw"


def dagster_home(state: Path | None = None) -> Path:
    """``DAGSTER_HOME``, else ``dagster/`` under the state directory."""
    chosen = os.environ.get("DAGSTER_HOME")
    return Path(chosen).absolute() if chosen else (state or state_dir()) / "dagster"


def prepare(warehouse_override: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the paths, create the folders, and export them for Dagster code in this process."""
    warehouse = warehouse_path(warehouse_override)
    state = state_dir(warehouse)
    home = dagster_home(state)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    home.mkdir(parents=True, exist_ok=True)
    yaml = home / "dagster.yaml"
    if not yaml.exists() or yaml.read_text() == OLD_DAGSTER_YAML:
        yaml.write_text(DAGSTER_YAML)
    os.environ["LSW_WAREHOUSE"] = str(warehouse)
    os.environ["LSW_STATE_DIR"] = str(state)
    os.environ["DAGSTER_HOME"] = str(home)
    return warehouse
