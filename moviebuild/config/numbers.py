"""Whole numbers typed by a person or sent by a client (node id indices, revisions, page sizes,
event ids, link expiries): only the ASCII digits 0-9 are digits.

``str.isdigit`` accepts superscripts (``²``) that ``int`` then refuses with a ValueError, and
``int`` silently reads full-width (``３``) and Arabic-Indic (``٣``) digits; neither is a number
a user meant, so both are refused here. It parses nothing else.
"""

from __future__ import annotations


def is_ascii_number(text: str, *, max_digits: int = 18) -> bool:
    """True when ``text`` is 1 to ``max_digits`` ASCII digits and nothing else."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def ascii_number(text: str, *, max_digits: int = 18) -> int | None:
    """``text`` as a whole number when it is 1 to ``max_digits`` ASCII digits, else None."""
    return int(text) if is_ascii_number(text, max_digits=max_digits) else None
