"""Trovo's open platform API in the sandbox (see service.py for what it enforces)."""

from sandbox.providers.trovo.service import TrovoService

__all__ = ["TrovoService"]
