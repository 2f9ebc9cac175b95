"""Offline stand-ins for the five livestream providers, served over real HTTP on loopback.

The sandbox is how `lsw demo`, the tests and the benchmarks talk to a provider without the
internet. Each provider lives under ``http://127.0.0.1:PORT/<provider>`` and behaves as its
reference in ``the providers' API references`` says, inconvenient parts included.
"""

from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer

__all__ = ["SandboxConfig", "SandboxServer"]
