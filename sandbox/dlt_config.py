"""Point the product's dlt configuration at a running sandbox, in ``.dlt/secrets.toml``.

Environment variables only reach the process that sets them; the Dagster UI's code location
and its runs read ``.dlt/`` in the working directory. So ``lsw sandbox --write-config`` writes
the same settings as ``--print-config`` there, where `lsw run`, `lsw ui` and
`dagster dev -w workspace.yaml` all find them. Everything goes to secrets.toml (dlt reads
plain settings there too, and the file is git-ignored); a file the user wrote is never touched.

A long list (a year of Shopee sessions at scale 25 is megabytes) goes to a JSON file beside it,
named by ``<key>_file`` as with ``--print-config``: dlt parses secrets.toml with tomlkit, which
took minutes to write and to read such a list inline; a JSON file takes milliseconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import tomlkit

MARKER = "# Written by `lsw sandbox --write-config`"
PREFIX = "SOURCES__"
MAX_INLINE = 64 * 1024  # bytes of one value kept in secrets.toml; longer ones go to a file


class ConfigFileError(ValueError):
    """The configuration file exists and is the user's own; ``str()`` is the one line."""


def as_toml(env: Mapping[str, str], url: str, lists: Path | None = None) -> str:
    """``SOURCES__<PROVIDER>__<KEY>`` variables as ``[sources.<provider>]`` tables; with
    ``lists`` (a folder), a value over ``MAX_INLINE`` bytes is written to a JSON file there
    and named by ``<key>_file``."""
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
        if lists is not None and len(value) > MAX_INLINE:
            path = lists / f"sandbox-{provider}-{key}.json"
            _write_private(path, value)
            section.add(f"{key}_file", str(path.resolve()))
            continue
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
    _write_private(target, as_toml(env, url, target.parent))
    return target


def _write_private(target: Path, text: str) -> None:
    """Replace ``target`` whole (a reader never sees half a file), readable by the user only."""
    partial = target.with_name(target.name + ".tmp")
    partial.write_text(text)
    partial.chmod(0o600)
    os.replace(partial, target)
