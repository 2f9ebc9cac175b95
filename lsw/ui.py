"""`lsw ui`: `dagster dev` (webserver and daemon) on the CLI's instance, warehouse and config.

The environment that `paths.prepare` exported (LSW_WAREHOUSE, LSW_STATE_DIR, DAGSTER_HOME)
reaches the webserver, the daemon, the code location and every run they launch, and dlt reads
``.dlt/`` in the same working directory, so a run launched from the UI loads what `lsw run`
would. The repository's own dagster.yaml (for a plain `dagster dev -w workspace.yaml`) points
at the default state directory; when that is where DAGSTER_HOME points anyway, and the
dagster.yaml there is lsw's own default, the child is left to read it, rather than be told in
a warning that it is being ignored. A dagster.yaml of the user's (PostgreSQL storage, a run
queue: deploy/postgres/dagster.yaml) always wins, as it does for `lsw run`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from warehouse.paths import DAGSTER_YAML

LOCAL_YAML = Path("dagster.yaml")
DEFAULT_HOME = Path("data") / ".lsw" / "dagster"


def command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "dagster_project.definitions",
        "--host",
        host,
        "--port",
        str(port),
    ]


def child_env(environ: dict[str, str], cwd: Path) -> dict[str, str]:
    """The environment for `dagster dev`: DAGSTER_HOME unless cwd's dagster.yaml means it."""
    env = dict(environ)
    home = Path(env.get("DAGSTER_HOME", "")).resolve()
    own = home / "dagster.yaml"
    users = own.is_file() and own.read_text() != DAGSTER_YAML
    if (cwd / LOCAL_YAML).is_file() and home == (cwd / DEFAULT_HOME).resolve() and not users:
        env.pop("DAGSTER_HOME", None)
    return env


def serve(host: str, port: int) -> int:
    """Run the UI until interrupted; its exit code."""
    cwd = Path.cwd()
    return subprocess.call(command(host, port), env=child_env(dict(os.environ), cwd), cwd=cwd)
