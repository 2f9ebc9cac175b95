"""Firework's Livestreams API stand-in (see service.py for what it serves and why)."""

from sandbox.providers.firework.service import FireworkService

__all__ = ["FireworkService"]
