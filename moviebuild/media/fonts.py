"""The fonts moviebuild draws text with (image headlines, preview captions): found, never fetched.

Latin, Greek and Cyrillic text (en, es, fr, de, tr, ru...) uses DejaVu Sans from Debian's
fonts-dejavu-core; Chinese, Japanese and Korean use Noto Sans CJK from fonts-noto-cjk when it is
installed. Without either, Pillow's built-in font is used (Latin only).
"""

from __future__ import annotations

import functools
from pathlib import Path

_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
_LATIN = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")
_CJK = ("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJKjp-Bold.otf")


def needs_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese, Japanese or Korean characters."""
    return any(
        "\u3040" <= ch <= "\u30ff"  # kana
        or "\u3400" <= ch <= "\u9fff"  # CJK ideographs
        or "\uac00" <= ch <= "\ud7af"  # hangul
        or "\uff00" <= ch <= "\uffef"  # full-width forms
        for ch in text
    )


def font_for(text: str) -> Path | None:
    """A bold font file that has the glyphs of ``text``, or None for Pillow's built-in font."""
    if needs_cjk(text):
        found = _find(_CJK)
        if found is not None:
            return found
    return _find(_LATIN)


@functools.cache
def _find(names: tuple[str, ...]) -> Path | None:
    for name in names:
        for folder in _FONT_DIRS:
            if folder.is_dir():
                hit = next(folder.rglob(name), None)
                if hit is not None:
                    return hit
    return None
