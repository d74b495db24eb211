"""Captions: pages of at most two lines that fit the frame, words timed by syllables, the same
box geometry for any render size, and a font with the glyphs of non-Latin text."""

from __future__ import annotations

import itertools

import pytest
from PIL import Image

from moviebuild.timeline.captions import (
    HIGHLIGHT_RGB,
    caption_box,
    caption_pages,
    draw_caption,
    highlighted_word,
)
from moviebuild.timeline.model import CaptionPosition, CaptionStyle
from tests.conftest import require_fonts

NARRATION = (
    "Welcome. In the next few moments we explore the history of the lighthouse: where it came "
    "from, why it mattered then, and why people still talk about it today."
)
STYLE = CaptionStyle()


def _pages(text: str = NARRATION, width: int = 854, height: int = 480, **style: object):  # type: ignore[no-untyped-def]
    return caption_pages(
        text, segment=1, start_s=2.0, duration_s=10.0, style=CaptionStyle(**style),
        width=width, height=height,
    )  # fmt: skip


def test_pages_break_at_sentences_and_hold_at_most_two_lines() -> None:
    pages = _pages()
    assert pages[0].lines() == ["Welcome."]
    assert all(1 <= len(page.lines()) <= 2 for page in pages)
    assert " ".join(page.text for page in pages) == NARRATION
    assert len(_pages(max_lines=1)) > len(pages)


@pytest.mark.parametrize(("width", "height"), [(854, 480), (480, 854), (1920, 1080)])
def test_every_line_fits_inside_the_frame_as_drawn(width: int, height: int) -> None:
    for page in _pages(width=width, height=height):
        picture, box = draw_caption(page, 0, STYLE, width, height)
        assert picture.size == (box.width, box.height)
        assert box.left >= 0 and box.left + box.width <= width
        # A portrait frame keeps its bottom fifth clear (short-video apps' controls).
        assert box.top + box.height == round(height * (0.8 if height > width else 0.93))


def test_words_are_timed_in_order_over_the_narration() -> None:
    pages = _pages()
    words = [word for page in pages for word in page.words]
    assert words[0].start_s == 2.0 and pages[0].start_s == 2.0 and pages[-1].end_s == 12.0
    assert all(a.start_s < a.end_s <= b.start_s for a, b in itertools.pairwise(words))
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(pages))
    # A longer word takes longer to say.
    by_text = {word.text: word.end_s - word.start_s for word in words}
    assert by_text["lighthouse:"] > by_text["the"]


def test_the_highlighted_word_is_the_last_one_begun() -> None:
    page = _pages()[1]
    assert highlighted_word(page, page.start_s) == 0
    assert highlighted_word(page, page.words[2].start_s + 0.01) == 2
    assert highlighted_word(page, page.end_s) == len(page.words) - 1


def test_the_highlighted_word_is_drawn_in_the_highlight_colour() -> None:
    page = _pages()[1]
    plain, _ = draw_caption(page, None, STYLE, 854, 480)
    lit, _ = draw_caption(page, 0, STYLE, 854, 480)
    def colours(picture: Image.Image) -> set[tuple[int, ...]]:
        return {colour for _, colour in picture.convert("RGB").getcolors(1 << 20) or []}

    assert HIGHLIGHT_RGB not in colours(plain)
    assert HIGHLIGHT_RGB in colours(lit)


def test_top_position_puts_the_box_under_the_top_margin() -> None:
    box = caption_box(["one line"], CaptionStyle(position=CaptionPosition.TOP), 854, 480, [100.0])
    assert box.top == round(480 * 0.07)


@pytest.mark.parametrize(("width", "height"), [(720, 1280), (1080, 1920), (480, 854)])
def test_portrait_captions_stay_in_the_short_video_safe_area(width: int, height: int) -> None:
    """Short-video apps lay controls over the bottom ~20 % and the top ~15 % of a 9:16 frame and
    buttons along its right edge: every caption page, at the bottom or the top, stays between."""
    for position in CaptionPosition:
        style = CaptionStyle(position=position)
        for page in _pages(width=width, height=height, position=position):
            _, box = draw_caption(page, 0, style, width, height)
            assert box.top >= round(height * 0.15)
            assert box.top + box.height <= round(height * 0.8)
            assert box.left + box.width <= round(width * 0.9)
            assert len(page.lines()) <= 2
    # The lines of a narrow frame hold a few words each, in a font sized for a phone.
    lines = [line for page in _pages(width=width, height=height) for line in page.lines()]
    assert max(len(line.split()) for line in lines) <= 5
    wide = caption_box(["x"], STYLE, height, width, [10.0])
    tall = caption_box(["x"], STYLE, width, height, [10.0])
    assert tall.font_px == round(0.05 * height * 0.75) and wide.font_px == round(0.05 * width)


@pytest.mark.parametrize(
    ("text", "letters"), [("灯台の歴史を探ります。", "灯台史"), ("Işık ğüş.", "ığş")]
)
def test_non_latin_captions_are_drawn_with_a_font_that_has_their_glyphs(
    text: str, letters: str
) -> None:
    from PIL import ImageFont

    from moviebuild.media.fonts import font_for, needs_cjk

    path = font_for(text)
    if path is None or (needs_cjk(text) and "CJK" not in path.name):
        require_fonts("no font with these glyphs: apt-get install fonts-dejavu-core fonts-noto-cjk")
    assert path is not None
    font = ImageFont.truetype(str(path), 40)
    # A missing glyph is drawn as the same empty box ("tofu") whatever the character.
    masks = {bytes(font.getmask(letter)) for letter in letters}
    assert len(masks) == len(letters), f"{path.name} lacks glyphs of {letters}"
    assert _pages(text)[0].text.startswith(text[:3])


SAID = [[(0.2, 0.5, 3), (0.6, 0.9, 3), (1.0, 1.4, 4)], [(3.0, 3.3, 3), (3.5, 3.9, 4)]]


def test_the_speech_engines_word_times_are_used_when_there_is_one_per_word() -> None:
    first, second = caption_pages("One two three. Four five.", segment=1, start_s=10.0,
                                  duration_s=4.0, style=STYLE, width=854, height=480,
                                  spoken=SAID)  # fmt: skip
    assert [(w.start_s, w.end_s) for w in first.words] == [(10.2, 10.5), (10.6, 10.9), (11.0, 11.4)]
    assert second.start_s == 13.0 and second.end_s == 14.0


def test_words_the_engine_joined_or_split_are_matched_by_their_sounds() -> None:
    # As espeak says it: "in the" is one word of 4 sounds, "1862" five words.
    said = [[(0.0, 0.3, 4), (0.35, 0.7, 5), (0.8, 1.3, 8)],
            [(2.0, 2.1, 2), (2.1, 2.3, 3), (2.4, 2.6, 3), (2.6, 3.0, 7), (3.0, 3.5, 9),
             (3.5, 3.9, 6), (3.9, 4.2, 3)]]  # fmt: skip
    pages = caption_pages("In the next moments. It was 1862.", segment=1, start_s=0.0,
                          duration_s=5.0, style=STYLE, width=854, height=480,
                          spoken=said)  # fmt: skip
    starts = {w.text: w.start_s for p in pages for w in p.words}
    assert starts["In"] == 0.0 and 0.0 < starts["the"] < 0.3
    assert starts["next"] == 0.35 and starts["moments."] == 0.8
    assert starts["It"] == 2.0 and starts["was"] == 2.1 and starts["1862."] == 2.4


def test_words_cut_off_by_fixed_are_left_out() -> None:
    pages = caption_pages("One two three. Four five.", segment=1, start_s=0.0, duration_s=3.4,
                          style=STYLE, width=854, height=480, spoken=SAID)  # fmt: skip
    assert [w.text for p in pages for w in p.words] == ["One", "two", "three.", "Four"]
    assert pages[-1].words[-1].end_s == 3.3


def test_text_without_spaces_is_timed_character_by_character_from_the_spoken_words() -> None:
    # As the Japanese engine says it: 灯台(4 morae) の(1) 歴史(3) を(1) 探り(3) ます(2).
    said = [[(0.1, 0.5, 4), (0.5, 0.6, 1), (0.6, 0.9, 3), (0.9, 1.0, 1), (1.0, 1.3, 3),
             (1.3, 1.5, 2)], [(2.0, 2.4, 4), (2.4, 2.8, 4)]]  # fmt: skip
    pages = caption_pages("灯台の歴史を探ります。夜に光ります。", segment=1, start_s=10.0,
                          duration_s=3.0, style=STYLE, width=854, height=480,
                          spoken=said)  # fmt: skip
    assert [p.text for p in pages] == ["灯台の歴史を探ります。", "夜に光ります。"]
    starts = [(w.text, round(w.start_s - 10.0, 3)) for p in pages for w in p.words]
    assert starts[:4] == [("灯", 0.1), ("台", 0.3), ("の", 0.5), ("歴", 0.6)]
    assert dict(starts)["夜"] == 2.0
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(starts))
