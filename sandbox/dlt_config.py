"""Point the product's dlt configuration at a running sandbox, in ``.dlt/secrets.toml``.

Environment variables only reach the process that sets them; the Dagster UI's code location
and its runs read ``.dlt/`` in the working directory. So ``lsw sandbox --write-config`` writes
the same settings as ``--print-config`` there, where `lsw run`, `lsw ui` and
`dagster dev -w workspace.yaml` all find them. Everything goes to secrets.toml (dlt reads
plain settings there too, and the file is git-ignored); a file the user wrote is never touched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import tomlkit

MARKER = "# Written by `lsw sandbox --write-config`"
PREFIX = "SOURCES__"


class ConfigFileError(ValueError):
    """The configuration file exists and is the user's own; ``str()`` is the one line."""


def as_toml(env: Mapping[str, str], url: str) -> str:
    """``SOURCES__<PROVIDER>__<KEY>`` variables as ``[sources.<provider>]`` tables."""
    document = tomlkit.document()
    document.add(tomlkit.comment(MARKER[2:] + f": every provider pointed at the sandbox on {url}."))
    document.add(tomlkit.comment("Delete this file to stop using the sandbox."))
    sources = tomlkit.table(is_super_table=True)
    for name, value in env.items():
        if not name.startswith(PREFIX):
            continue
        provider, key = name[len(PREFIX) :].lower().split("__", 1)
        if provider not in sources:
            sources.add(provider, tomlkit.table())
        section = sources[provider]
        assert isinstance(section, tomlkit.items.Table)
        section.add(key, json.loads(value) if value[:1] in "[{" else value)
    document.add("sources", sources)
    return tomlkit.dumps(document)


def write(env: Mapping[str, str], url: str, folder: Path) -> Path:
    """Write ``folder/.dlt/secrets.toml`` (0600) unless the user has a file of their own there."""
    target = folder / ".dlt" / "secrets.toml"
    if target.exists() and not target.read_text().startswith(MARKER):
        raise ConfigFileError(
            f"{target} exists and was not written by lsw: move it aside to point the "
            "providers at the sandbox, or use `lsw sandbox --print-config` instead"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".toml.tmp")
    partial.write_text(as_toml(env, url))
    partial.chmod(0o600)
    os.replace(partial, target)
    return target
