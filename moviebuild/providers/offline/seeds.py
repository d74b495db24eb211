"""Stable seeds for the offline generators: the same parts give the same seed in every process."""

from __future__ import annotations

import hashlib


def seed_from(*parts: object) -> int:
    """A stable 64-bit seed from ``parts`` (unlike ``hash()``, the same in every process)."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
