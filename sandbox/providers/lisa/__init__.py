"""LiSA (hello-lisa.com) customer API stand-in; see ``service.py``."""

from sandbox.providers.lisa.service import LisaService

__all__ = ["LisaService"]
