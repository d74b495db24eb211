"""Title and end cards: their layout (docs/timeline.md#cards) and the ffmpeg preview's picture.

It owns the rules both renderers follow: the card fills the frame with its colour; the title,
the subtitle and one line per source are centred as one block, each line in a box of 1.25 em.
Sizes are fractions of the frame's height, so every render size has the same layout.
remotion/src/cards.ts lays the same card out in the browser. Text is never wrapped: a line
wider than the frame is cut by the frame's edge (titles are short; a source's address is shown
as given).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from moviebuild.timeline.captions import LINE_HEIGHT_EM, _font, _round
from moviebuild.timeline.model import Card, Source

if TYPE_CHECKING:
    from PIL import Image

TITLE_EM = 0.09
SUBTITLE_EM = 0.05
SOURCE_EM = 0.035
MAX_SOURCES = 8
"""An end card names at most this many sources (the rest are counted on one more line)."""
TITLE_RGB = (255, 255, 255)
TEXT_RGB = (200, 200, 200)


@dataclass(frozen=True)
class CardLine:
    """One line of a card: its text, font size and colour, and its box's top edge."""

    text: str
    font_px: int
    line_px: int
    top: int
    rgb: tuple[int, int, int]


def source_text(source: Source) -> str:
    where = source.url or source.file
    return f"{source.title} — {where}" if where else source.title


def card_lines(card: Card, height: int) -> list[CardLine]:
    """The card's lines, top to bottom, centred as one block in a frame ``height`` high."""
    wanted: list[tuple[str, float, tuple[int, int, int]]] = [(card.title, TITLE_EM, TITLE_RGB)]
    if card.subtitle:
        wanted.append((card.subtitle, SUBTITLE_EM, TEXT_RGB))
    shown = card.sources[:MAX_SOURCES]
    wanted += [(source_text(source), SOURCE_EM, TEXT_RGB) for source in shown]
    if len(card.sources) > len(shown):
        wanted.append((f"and {len(card.sources) - len(shown)} more", SOURCE_EM, TEXT_RGB))
    sized = [
        (text, size, _round(LINE_HEIGHT_EM * size), rgb)
        for text, em, rgb in wanted
        for size in [max(6, _round(em * height))]
    ]
    top = _round((height - sum(line_px for _, _, line_px, _ in sized)) / 2)
    lines = []
    for text, size, line_px, rgb in sized:
        lines.append(CardLine(text, size, line_px, top, rgb))
        top += line_px
    return lines


def card_rgb(card: Card) -> tuple[int, int, int]:
    return int(card.color[1:3], 16), int(card.color[3:5], 16), int(card.color[5:7], 16)


def draw_card(card: Card, width: int, height: int) -> Image.Image:
    """The card as a full-frame RGB picture."""
    from PIL import Image, ImageDraw

    from moviebuild.media.fonts import needs_cjk

    picture = Image.new("RGB", (width, height), card_rgb(card))
    draw = ImageDraw.Draw(picture)
    for line in card_lines(card, height):
        font = _font(line.font_px, needs_cjk(line.text))
        ascent, descent = font.getmetrics() if hasattr(font, "getmetrics") else (line.font_px, 0)
        # As CSS does: the glyphs' ascent + descent centred in the line's box.
        y = line.top + (line.line_px - (ascent + descent)) / 2
        x = (width - font.getlength(line.text)) / 2
        draw.text((x, y), line.text, font=font, fill=line.rgb, anchor="la")
    return picture
