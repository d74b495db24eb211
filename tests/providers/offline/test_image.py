"""The offline image renderer: exact sizes, determinism, and pictures that follow the prompt."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from moviebuild.errors import MediaError
from moviebuild.providers.offline.image import (
    headline_of,
    normalize_style,
    render_headline_overlay,
    render_image,
    seed_from,
)

PROMPT = "A lighthouse on a stormy ocean at night, waves crashing against the rocks"
STYLES = [
    "photorealistic",
    "watercolor",
    "anime",
    "cartoon",
    "pixar",
    "ghibli",
    "oil-painting",
    "sketch",
    "unheard-of-style",
]


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _mean_rgb(data: bytes) -> tuple[float, ...]:
    return tuple(ImageStat.Stat(_open(data).convert("RGB")).mean)


@pytest.mark.parametrize(
    ("width", "height"),
    [(854, 480), (1280, 720), (1920, 1080), (720, 1280), (720, 720), (960, 720), (7, 3)],
)
def test_the_png_has_exactly_the_requested_size(width: int, height: int) -> None:
    data = render_image(PROMPT, style="photorealistic", width=width, height=height)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert _open(data).size == (width, height)


@pytest.mark.parametrize("style", STYLES)
def test_every_style_renders_a_full_size_rgb_picture(style: str) -> None:
    image = _open(render_image(PROMPT, style=style, width=640, height=360))
    assert (image.size, image.mode) == ((640, 360), "RGB")


def test_styles_look_different_from_one_another() -> None:
    pictures = {render_image(PROMPT, style=style, width=320, height=180) for style in STYLES}
    assert len(pictures) == len(STYLES)


def test_the_sketch_style_is_greyscale() -> None:
    image = _open(render_image(PROMPT, style="sketch", width=320, height=180, headline=False))
    red, green, blue = image.split()
    assert ImageChops.difference(red, green).getbbox() is None
    assert ImageChops.difference(green, blue).getbbox() is None


def test_the_same_arguments_give_identical_bytes() -> None:
    first = render_image(PROMPT, style="oil-painting", width=854, height=480, seed=3)
    second = render_image(PROMPT, style="oil-painting", width=854, height=480, seed=3)
    assert first == second


def test_a_different_prompt_or_seed_gives_a_different_picture() -> None:
    base = render_image(PROMPT, style="anime", width=320, height=180)
    assert render_image(PROMPT + "!", style="anime", width=320, height=180) != base
    assert render_image(PROMPT, style="anime", width=320, height=180, seed=1) != base


def test_the_palette_follows_colour_words_in_the_prompt() -> None:
    fire = _mean_rgb(render_image("fire", style="photorealistic", width=160, height=90))
    ocean = _mean_rgb(render_image("ocean", style="photorealistic", width=160, height=90))
    night = _mean_rgb(render_image("night", style="photorealistic", width=160, height=90))
    assert fire[0] > fire[2]
    assert ocean[2] > ocean[0]
    assert sum(night) < sum(fire) and sum(night) < sum(ocean)


def test_the_headline_is_the_prompts_subject_with_its_shot_and_scene() -> None:
    prompt = "wide establishing shot of lighthouse, keeper, stairs, scene 1.2, watercolor style"
    assert headline_of(prompt) == ("Lighthouse · Keeper · Stairs", "Wide establishing shot · 1.2")
    assert headline_of("A lighthouse at night") == ("A lighthouse at night", "")
    assert headline_of(PROMPT)[0] == "A lighthouse on a stormy ocean at night…"
    long_headline, _ = headline_of(" ".join(["an extraordinarily long prompt"] * 20))
    assert len(long_headline) <= 41 and long_headline.endswith("…")


@pytest.mark.parametrize(("width", "height"), [(854, 480), (480, 854), (640, 640)])
def test_the_headline_stays_inside_what_the_largest_ken_burns_move_shows(
    width: int, height: int
) -> None:
    from moviebuild.timeline.assemble import _PRESET_FRAMINGS

    prompt = "wide establishing shot of lighthouse, keeper, stairs, scene 1.2, watercolor style"
    plain = _open(render_image(prompt, style="anime", width=width, height=height, headline=False))
    card = _open(render_image(prompt, style="anime", width=width, height=height))
    changed = ImageChops.difference(plain, card).getbbox()
    assert changed is not None
    left, top, right, bottom = changed
    assert bottom < height * 0.6  # the lower part is left to the narration's captions
    for framing in (f for pair in _PRESET_FRAMINGS.values() for f in pair):
        # The part of the image a framing shows, in fractions of the image (docs/timeline.md).
        centre_x = 0.5 - framing.offset_x / framing.scale
        centre_y = 0.5 - framing.offset_y / framing.scale
        half = 0.5 / framing.scale
        assert centre_x - half <= left / width and right / width <= centre_x + half
        assert centre_y - half <= top / height and bottom / height <= centre_y + half


def test_the_headline_overlay_is_transparent_outside_the_card() -> None:
    overlay = _open(render_headline_overlay("Hello there", width=320, height=180))
    assert overlay.mode == "RGBA"
    assert overlay.getpixel((160, 170)) == (0, 0, 0, 0)
    assert overlay.getpixel((160, 40))[3] > 0  # type: ignore[index]


def test_an_empty_prompt_still_renders_without_a_caption() -> None:
    assert _open(render_image("", style="cartoon", width=100, height=60)).size == (100, 60)


@pytest.mark.parametrize(("width", "height"), [(0, 10), (10, -1), (9000, 10)])
def test_an_impossible_size_is_a_media_error(width: int, height: int) -> None:
    with pytest.raises(MediaError):
        render_image(PROMPT, style="anime", width=width, height=height)


def test_style_names_are_normalized_to_the_house_spelling() -> None:
    assert normalize_style(" Oil painting ") == "oil-painting"
    assert normalize_style("Watercolour") == "watercolor"


def test_seeds_are_stable_across_processes() -> None:
    assert seed_from("image", "fire", 1) == 2133472904406143233
