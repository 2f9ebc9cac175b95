"""Deterministic randomness: every draw is keyed by (seed, what it is for).

Keying by purpose (provider, account, date) instead of drawing from one stream makes the
world stable: asking for one day never changes another, whatever order requests arrive in.
"""

from __future__ import annotations

import hashlib
import random


def derive(seed: int, *parts: object) -> int:
    """A 64-bit integer derived from the seed and the parts."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng(seed: int, *parts: object) -> random.Random:
    return random.Random(derive(seed, *parts))


def numeric_id(seed: int, *parts: object, digits: int = 19) -> str:
    """A stable decimal id of ``digits`` digits (TikTok- and Shopee-style ids)."""
    low = 10 ** (digits - 1)
    return str(low + derive(seed, "id", *parts) % (9 * low))
