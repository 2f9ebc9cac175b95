"""Child processes that start their work together: each says ``ready`` on stdout once set up,
then waits for a line on stdin (imports take seconds, and unevenly, on a busy machine)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence


def start_together(
    commands: Sequence[Sequence[str]], envs: Sequence[Mapping[str, str]], timeout: float = 120
) -> list[tuple[int, str]]:
    """Run every command, release them at once, and return each one's exit code and stderr."""
    children = [
        subprocess.Popen(
            list(command),
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command, env in zip(commands, envs, strict=True)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line == "ready\n", f"a child did not start: {line!r}"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        return [(child.wait(timeout), child.communicate()[1]) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
