"""Captions: narration text cut into pages of lines with per-word timing, and their layout.

It owns the rules both renderers follow (docs/timeline.md#captions): pages broken at sentence
ends and at ``max_lines`` lines of a width estimated from character counts (so wrapping never
depends on a font), words timed in proportion to their syllables, and the box geometry. It draws
one caption state with Pillow for the ffmpeg preview; remotion/src/captions.ts draws the same.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moviebuild.timeline.model import Caption, CaptionPosition, CaptionStyle, CaptionWord

if TYPE_CHECKING:
    from PIL import Image, ImageFont

MARGIN = 0.07
"""Captions keep this fraction of the frame's height from its bottom (or top) edge."""
LINE_WIDTH = 0.84
"""A line is at most this fraction of the frame's width."""
# A portrait frame (9:16) is shown by short-video apps, which lay their own controls over it:
# the caption, the account name and the buttons over the bottom fifth, tabs and the search over
# the top ~15 %, and a column of buttons at the right edge. Captions stay out of those areas.
PORTRAIT_SAFE_BOTTOM = 0.20
"""In a portrait frame, captions keep this fraction of the height free at the bottom."""
PORTRAIT_SAFE_TOP = 0.15
"""In a portrait frame, captions at the top keep this fraction of the height free above them."""
PORTRAIT_LINE_WIDTH = 0.76
"""In a portrait frame a line is at most this fraction of the width (clear of the buttons)."""
PORTRAIT_FONT_SCALE = 0.75
"""In a portrait frame the caption's size is this fraction of its size in a frame as high: a
line of a tall, narrow frame holds a few words, not a sentence."""
LINE_HEIGHT_EM = 1.25
PAD_X_EM = 0.5
PAD_Y_EM = 0.25
RADIUS_EM = 0.25
TEXT_RGB = (255, 255, 255)
HIGHLIGHT_RGB = (255, 214, 64)
BOX_RGBA = (0, 0, 0, 158)
# Wrapping estimates a line's width from its characters: a bold Latin glyph is at most about
# 0.66 em wide on average, a CJK one 1 em.
_LATIN_EM = 0.66
_CJK_EM = 1.0
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
_CJK_LETTERS = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
# In text without spaces: each CJK character with the punctuation after it, or a run of others.
_CJK_TOKEN = re.compile(f"[{_CJK_LETTERS}][^\\w\\s]*|[^\\s{_CJK_LETTERS}]+")
_VOWELS = re.compile(r"[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿıœ]+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’)]*$")
_CLAUSE_END = re.compile(r"[,;:、，；：]['\"”’)]*$")


def portrait(width: int, height: int) -> bool:
    """Whether a frame is laid out for short-video apps (taller than wide)."""
    return height > width


def _em_base(width: int, height: int) -> float:
    """What the style's ``size`` is a fraction of: the height, less in a portrait frame."""
    return height * PORTRAIT_FONT_SCALE if portrait(width, height) else float(height)


def font_px(style: CaptionStyle, width: int, height: int) -> int:
    """The caption font's size in pixels for a ``width`` x ``height`` frame."""
    return max(6, _round(style.size * _em_base(width, height)))


def _round(value: float) -> int:
    # Halves round up, as JavaScript's Math.round does in remotion/src/captions.ts (Python's
    # round() would send 22.5 to 22 and the two renderers a pixel apart).
    return math.floor(value + 0.5)


def caption_pages(
    text: str,
    *,
    segment: int,
    start_s: float,
    duration_s: float,
    style: CaptionStyle,
    width: int,
    height: int,
    spoken: Sequence[Sequence[SpokenWord]] | None = None,
) -> list[Caption]:
    """``text`` spoken from ``start_s`` for ``duration_s``, as caption pages (see module doc).

    ``spoken`` holds, per sentence the speech engine spoke, its words' (start, end, sounds)
    from the narration's start; ``align_word_times`` matches them to the words of ``text`` (in
    text without spaces, to its characters), sentence by sentence when both have as many
    sentences (words that start after ``duration_s``, cut off by ``fixed``, are left out).
    """
    spaced = not _CJK.search(text)
    tokens = text.split() if spaced else _CJK_TOKEN.findall(text)
    if not tokens:
        return []
    said = [word for sentence in spoken or () for word in sentence]
    if said:
        aligned = _align_sentences(tokens, spoken or ())
        timed = [
            (token, start_s + begin, start_s + min(end, duration_s))
            for token, begin, end in aligned
            if begin < duration_s
        ]
        if timed:
            return _paginate(timed, spaced, segment, start_s, duration_s, style, width, height)
    return _paginate(
        _estimate(tokens, start_s, duration_s),
        spaced, segment, start_s, duration_s, style, width, height,
    )  # fmt: skip


Timed = list[tuple[str, float, float]]
"""(word, start_s, end_s) of each word, in order."""


_MAX_JOINED = 3
"""At most this many written words said as one (espeak joins "of the")."""
_MAX_JOINED_CJK = 6
"""At most this many characters of text without spaces said as one word (説明します)."""
_MAX_SPLIT = 8
"""At most this many words said for one written word ("1862": one thousand eight hundred...)."""
SpokenWord = tuple[float, float, int]
"""A word as a speech engine said it: start and end in seconds, and how many sounds."""


def _align_sentences(tokens: list[str], spoken: Sequence[Sequence[SpokenWord]]) -> Timed:
    sentences: list[list[str]] = [[]]
    for token in tokens:
        sentences[-1].append(token)
        if _SENTENCE_END.search(token):
            sentences.append([])
    sentences = [sentence for sentence in sentences if sentence]
    if len(sentences) != len(spoken) or not all(spoken):
        return align_word_times(tokens, [word for sentence in spoken for word in sentence])
    return [
        timed
        for sentence, said in zip(sentences, spoken, strict=True)
        for timed in align_word_times(sentence, said)
    ]


def align_word_times(tokens: list[str], said: Sequence[SpokenWord]) -> Timed:
    """Each token's (text, start, end) from the words a speech engine said, which need not be
    one per token: engines join short words ("of the") and split others ("1862").

    A monotone alignment pairs groups of up to three tokens with one spoken word, or one token
    with up to eight spoken words, choosing the pairing whose sound counts best match the
    tokens' letter counts (the squared log of their ratio, scaled by the text's own sounds per
    letter, plus 0.3 per extra written word and 0.1 per extra spoken word in a group). A
    spoken word shared by several tokens is split between them by letters."""
    # A digit is said as a word or two ("1862": one thousand eight hundred sixty-two), a kanji
    # as two morae or so, a kana as one.
    letters = [max(1, sum(_letter_weight(ch) for ch in token)) for token in tokens]
    sounds = [max(1, count) for _, _, count in said]
    per_letter = sum(sounds) / sum(letters)
    n, m = len(tokens), len(said)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    joined = _MAX_JOINED_CJK if any(_CJK.search(token) for token in tokens) else _MAX_JOINED
    steps = [(k, 1) for k in range(1, joined + 1)] + [(1, k) for k in range(2, _MAX_SPLIT + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if cost[i][j] == inf:
                continue
            for di, dj in steps:
                if i + di > n or j + dj > m:
                    continue
                ratio = sum(sounds[j : j + dj]) / (per_letter * sum(letters[i : i + di]))
                step = cost[i][j] + math.log(ratio) ** 2 + 0.3 * (di - 1) + 0.1 * (dj - 1)
                if step < cost[i + di][j + dj]:
                    cost[i + di][j + dj], back[i + di][j + dj] = step, (di, dj)
    if cost[n][m] == inf:
        return _estimate(tokens, said[0][0], said[-1][1] - said[0][0])
    timed: Timed = []
    i, j = n, m
    while i or j:
        di, dj = back[i][j]
        begin, finish = said[j - dj][0], said[j - 1][1]
        group = letters[i - di : i]
        at = begin
        pieces = []
        for token, count in zip(tokens[i - di : i], group, strict=True):
            share = (finish - begin) * count / sum(group)
            pieces.append((token, round(at, 4), round(at + share, 4)))
            at += share
        timed[:0] = pieces
        i, j = i - di, j - dj
    return timed


def _letter_weight(ch: str) -> int:
    if ch.isdigit():
        return 5
    if "\u3400" <= ch <= "\u9fff":
        return 2
    return int(ch.isalpha())


def _estimate(tokens: list[str], start_s: float, duration_s: float) -> Timed:
    """Each token's (text, start, end): time shared in proportion to syllables and pauses."""
    weights = [_syllables(token) for token in tokens]
    pauses = [2.5 if _SENTENCE_END.search(t) else 1.0 if _CLAUSE_END.search(t) else 0.0
              for t in tokens]  # fmt: skip
    total = sum(weights) + sum(pauses[:-1])
    timed: Timed = []
    at = 0.0
    for token, weight, pause in zip(tokens, weights, pauses, strict=True):
        begin = start_s + duration_s * at / total
        at += weight
        timed.append((token, begin, start_s + duration_s * min(at, total) / total))
        at += pause
    return timed


def _paginate(
    timed: Timed,
    spaced: bool,
    segment: int,
    start_s: float,
    duration_s: float,
    style: CaptionStyle,
    width: int,
    height: int,
) -> list[Caption]:
    tokens = [token for token, _, _ in timed]
    line_width = PORTRAIT_LINE_WIDTH if portrait(width, height) else LINE_WIDTH
    max_em = line_width * width / (style.size * _em_base(width, height))
    pages: list[list[tuple[int, int]]] = [[]]  # (token index, line) per page
    line_em = 0.0
    for index, token in enumerate(tokens):
        page = pages[-1]
        token_em = _em(token) + (_em(" ") if spaced and page and line_em > 0 else 0.0)
        line = page[-1][1] if page else 0
        if page and line_em + token_em > max_em:
            line += 1
            line_em, token_em = 0.0, _em(token)
            if line >= style.max_lines:
                pages.append([])
                page, line = pages[-1], 0
        page.append((index, line))
        line_em += token_em
        if _SENTENCE_END.search(token) and index + 1 < len(tokens):
            pages.append([])
            line_em = 0.0
    captions = []
    pages = [page for page in pages if page]
    for number, page in enumerate(pages):
        first = page[0][0]
        begin = start_s if number == 0 else timed[first][1]
        last = number + 1 == len(pages)
        end = start_s + duration_s if last else timed[pages[number + 1][0][0]][1]
        words = tuple(
            CaptionWord(text=timed[i][0], line=line, start_s=timed[i][1], end_s=timed[i][2])
            for i, line in page
        )
        if round(end, 6) > round(begin, 6):
            joiner = " " if spaced else ""
            captions.append(
                Caption(
                    text=joiner.join(word.text for word in words),
                    segment=segment,
                    start_s=begin,
                    end_s=end,
                    words=words,
                    spaced=spaced,
                )
            )
    return captions


def _em(token: str) -> float:
    return sum(_CJK_EM if _CJK.match(ch) else _LATIN_EM for ch in token)


def _syllables(token: str) -> int:
    cjk = len(_CJK.findall(token))
    return max(1, cjk + len(_VOWELS.findall(token)))


def highlighted_word(caption: Caption, time_s: float) -> int | None:
    """The index of the word spoken at ``time_s`` (the last one begun), or None before any."""
    current = None
    for index, word in enumerate(caption.words):
        if word.start_s <= time_s + 1e-6:
            current = index
    return current


@dataclass(frozen=True)
class CaptionBox:
    """Where a caption's box sits in a ``width`` x ``height`` frame, in whole pixels."""

    left: int
    top: int
    width: int
    height: int
    font_px: int
    line_px: int
    pad_x: int
    pad_y: int


def caption_box(
    lines: list[str], style: CaptionStyle, width: int, height: int, line_widths_px: list[float]
) -> CaptionBox:
    """The box around ``lines`` whose drawn widths are ``line_widths_px``: centred, its bottom
    (or top) MARGIN of the height from the frame's edge; in a portrait frame clear of the
    short-video apps' controls (PORTRAIT_SAFE_BOTTOM, PORTRAIT_SAFE_TOP)."""
    size = font_px(style, width, height)
    line_px = _round(LINE_HEIGHT_EM * size)
    pad_x, pad_y = _round(PAD_X_EM * size), _round(PAD_Y_EM * size)
    box_w = math.ceil(max(line_widths_px, default=0.0)) + 2 * pad_x
    box_h = len(lines) * line_px + 2 * pad_y
    left = _round((width - box_w) / 2)
    tall = portrait(width, height)
    if style.position is CaptionPosition.TOP:
        top = _round(height * (PORTRAIT_SAFE_TOP if tall else MARGIN))
    else:
        top = _round(height * (1 - (PORTRAIT_SAFE_BOTTOM if tall else MARGIN))) - box_h
    return CaptionBox(left, top, box_w, box_h, size, line_px, pad_x, pad_y)


@functools.lru_cache(maxsize=32)
def _font(size_px: int, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    from moviebuild.media.fonts import font_for

    path = font_for("日本" if cjk else "A")
    if path is None:
        return ImageFont.load_default(size=size_px)
    return ImageFont.truetype(str(path), size_px)


def draw_caption(
    caption: Caption, highlight: int | None, style: CaptionStyle, width: int, height: int
) -> tuple[Image.Image, CaptionBox]:
    """The caption's box as an RGBA picture, with word ``highlight`` in the highlight colour,
    and where it goes in the frame."""
    from PIL import Image, ImageDraw

    lines = caption.lines()
    font = _font(font_px(style, width, height), not caption.spaced)
    box = caption_box(lines, style, width, height, [font.getlength(line) for line in lines])
    picture = Image.new("RGBA", (box.width, box.height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle(
        (0, 0, box.width - 1, box.height - 1), radius=_round(RADIUS_EM * box.font_px), fill=BOX_RGBA
    )
    ascent, descent = font.getmetrics() if hasattr(font, "getmetrics") else (box.font_px, 0)
    joiner = " " if caption.spaced else ""
    for number, line in enumerate(lines):
        # As CSS does: the glyphs' ascent + descent centred in the line's box.
        y = box.pad_y + number * box.line_px + (box.line_px - (ascent + descent)) / 2
        x = (box.width - font.getlength(line)) / 2
        for index, word in enumerate(caption.words or ()):
            if word.line != number:
                continue
            colour = HIGHLIGHT_RGB if index == highlight else TEXT_RGB
            draw.text((x, y), word.text, font=font, fill=(*colour, 255), anchor="la")
            x += font.getlength(word.text + joiner)
        if not caption.words:
            draw.text((x, y), line, font=font, fill=(*TEXT_RGB, 255), anchor="la")
    return picture, box
