"""Offline images: a Pillow picture whose palette, scene and rendering follow the prompt and style.

Pure and deterministic: the same arguments always give the same PNG bytes. The scene is drawn
small and scaled up (for speed); the storyboard headline (the prompt's subject, with its shot and
scene number) is drawn at full size inside the title-safe area, which no Ken Burns move crops.
Continuity references show: their pictures' colours lead the palette, and each sheet's first
picture is inset, named, at the right of the title-safe area.
"""

from __future__ import annotations

import colorsys
import io
import math
import random
import re
from collections.abc import Callable, Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from moviebuild.errors import MediaError
from moviebuild.providers.offline.seeds import seed_from

Rgb = tuple[int, int, int]

MAX_SIDE_PX = 8192
_DRAW_LONG_SIDE_PX = 640
_WORD = re.compile(r"[^\W_]+")
_STOP_WORDS = frozenset(
    {
        "a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "with", "by", "for", "from",
        "into", "over", "under", "its", "is", "are", "was", "his", "her", "their", "our", "my",
        "your", "this", "that", "these", "those", "as", "up",
    }
)  # fmt: skip
_WORD_COLOURS: dict[str, Rgb] = {
    "night": (22, 26, 72), "midnight": (12, 14, 48), "dark": (30, 28, 40), "moon": (205, 212, 240),
    "star": (250, 240, 190), "space": (16, 10, 40), "fire": (236, 88, 22), "flame": (250, 130, 30),
    "lava": (200, 50, 10), "sunset": (250, 118, 70), "dawn": (255, 176, 130),
    "ocean": (18, 92, 160), "sea": (24, 110, 170), "water": (40, 130, 190),
    "river": (50, 140, 180), "lake": (40, 120, 160), "rain": (92, 110, 140), "storm": (70, 74, 96),
    "sky": (120, 172, 232), "forest": (30, 108, 52), "tree": (46, 128, 60),
    "jungle": (20, 120, 40), "grass": (90, 170, 70), "leaf": (70, 150, 60),
    "snow": (236, 242, 252), "ice": (190, 225, 245), "winter": (210, 225, 240),
    "gold": (222, 176, 48), "golden": (230, 185, 60), "sun": (252, 206, 70),
    "desert": (226, 190, 122), "sand": (220, 196, 140), "blood": (128, 8, 20),
    "rose": (220, 60, 100), "city": (108, 110, 126), "stone": (128, 124, 118),
    "castle": (140, 130, 120), "mountain": (98, 100, 122), "metal": (150, 160, 172),
    "red": (210, 40, 40), "orange": (240, 140, 30), "yellow": (240, 220, 60),
    "green": (50, 160, 70), "blue": (40, 90, 200), "purple": (120, 60, 170),
    "pink": (240, 140, 180), "white": (245, 245, 245), "black": (20, 20, 22),
    "grey": (128, 128, 128), "gray": (128, 128, 128), "brown": (120, 80, 40),
    "silver": (192, 196, 204),
}  # fmt: skip
_NIGHT_WORDS = frozenset({"night", "midnight", "dark", "moon", "star", "space"})
_SKY_WORDS = _NIGHT_WORDS | {"sky", "sunset", "dawn", "storm", "rain", "sun", "fire", "blood"}
_GROUND_WORDS = frozenset(
    {"forest", "tree", "jungle", "grass", "leaf", "snow", "ice", "winter", "desert", "sand",
     "ocean", "sea", "water", "river", "lake", "city", "stone", "castle", "mountain", "lava"}
)  # fmt: skip
_STYLE_ALIASES = {
    "photo": "photorealistic", "realistic": "photorealistic", "cinematic": "photorealistic",
    "watercolour": "watercolor", "pencil": "sketch", "drawing": "sketch", "line-art": "sketch",
    "comic": "cartoon", "manga": "anime", "oil": "oil-painting", "painting": "oil-painting",
    "pastel": "ghibli", "3d": "pixar",
}  # fmt: skip


def prompt_words(prompt: str) -> list[str]:
    """The prompt's words, lower-cased, without punctuation or filler words."""
    return [w for w in _WORD.findall(prompt.lower()) if w not in _STOP_WORDS]


def render_image(
    prompt: str,
    *,
    style: str,
    width: int,
    height: int,
    seed: int = 0,
    headline: bool = True,
    references: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """PNG bytes, exactly ``width`` x ``height``, picturing ``prompt`` in ``style``.

    With ``headline`` the prompt's subject is written as a storyboard headline (``headline_of``).
    ``references`` are (name, picture bytes) of the continuity sheets the shot uses.
    """
    _check_size(width, height)
    style_key = normalize_style(style)
    rng = random.Random(seed_from("image", prompt, style_key, seed))
    scale = min(1.0, _DRAW_LONG_SIDE_PX / max(width, height))
    small_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    words = prompt_words(prompt)
    sheets = [(name, _open_picture(data)) for name, data in references]
    palette = _palette(words)
    if sheets:
        palette = (_picture_colours([p for _, p in sheets]) + palette)[:6]
    scene = _draw_scene(small_size, palette, words, style_key, rng)
    picture = _apply_style(scene, style_key, rng).resize((width, height), Image.Resampling.BICUBIC)
    if headline:
        _draw_headline(picture, prompt)
    if sheets:
        _draw_insets(picture, sheets)
    return _png(picture)


def _open_picture(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            return opened.convert("RGB")
    except (OSError, ValueError) as exc:
        raise MediaError(f"a reference picture cannot be read ({type(exc).__name__})") from exc


def _picture_colours(pictures: list[Image.Image]) -> list[Rgb]:
    """The main colours of the pictures, most common first, three per picture."""
    colours: list[Rgb] = []
    for picture in pictures:
        small = picture.resize((48, 48)).quantize(colors=3, method=Image.Quantize.MEDIANCUT)
        raw = small.getpalette() or []
        counted = [(int(count), int(str(index))) for count, index in small.getcolors() or []]
        for _, index in sorted(counted, key=lambda item: (-item[0], item[1])):
            colours.append((raw[3 * index], raw[3 * index + 1], raw[3 * index + 2]))
    return colours


def _draw_insets(picture: Image.Image, sheets: list[tuple[str, Image.Image]]) -> None:
    """Each sheet's picture as a framed, named thumbnail down the right of the safe area."""
    width, height = picture.size
    side = max(16, round(height * 0.2))
    border = max(1, side // 24)
    font = _font("Ag", max(8, round(height * 0.03)))
    label_px = _line_px(font)
    right = width - round(width * SAFE_MARGIN_X)
    top = round(height * SAFE_MARGIN_Y) + round(height * 0.2)
    draw = ImageDraw.Draw(picture)
    for name, sheet in sheets[:2]:
        thumb = sheet.copy()
        thumb.thumbnail((side, side))
        left = right - thumb.width
        draw.rectangle(
            (left - border, top - border, right + border, top + thumb.height + label_px + border),
            fill=(250, 248, 240),
        )
        picture.paste(thumb, (left, top))
        label = _fit(name, font, thumb.width)
        draw.text((left + thumb.width / 2, top + thumb.height), label, font=font,
                  fill=(20, 20, 24), anchor="ma")  # fmt: skip
        top += thumb.height + label_px + 3 * border


def render_headline_overlay(prompt: str, *, width: int, height: int) -> bytes:
    """A transparent PNG, ``width`` x ``height``, holding only the headline card of ``prompt``."""
    _check_size(width, height)
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    _draw_headline(overlay, prompt)
    return _png(overlay)


def _check_size(width: int, height: int) -> None:
    if not (0 < width <= MAX_SIDE_PX and 0 < height <= MAX_SIDE_PX):
        raise MediaError(
            f"cannot render a {width}x{height} image",
            hint=f"use a width and height between 1 and {MAX_SIDE_PX} pixels",
        )


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def normalize_style(style: str) -> str:
    """A style name in the house spelling ("Oil painting" → "oil-painting")."""
    key = re.sub(r"[\s_]+", "-", style.strip().lower())
    return _STYLE_ALIASES.get(key, key)


def _palette(words: list[str]) -> list[Rgb]:
    """Six colours: the prompt's colour words first, then hues hashed from its other words,
    then shades of those (so a one-word prompt keeps one colour family)."""
    palette = [c for c in map(_keyword_colour, words) if c is not None]
    for word in words:
        if len(palette) < 6 and _keyword_colour(word) is None:
            h = seed_from("hue", word)
            hue, sat, val = (h % 360) / 360, 0.45 + (h >> 9) % 35 / 100, 0.55 + (h >> 17) % 35 / 100
            palette.append(_hsv(hue, sat, val))
    palette = palette[:6] or [(90, 120, 170)]
    for index in range(len(palette), 6):
        hue, sat, val = colorsys.rgb_to_hsv(*(c / 255 for c in palette[index % len(palette)]))
        shift = (0.04, -0.05, 0.08, -0.09, 0.03)[index - 1]
        palette.append(
            _hsv((hue + shift) % 1.0, sat, min(1.0, max(0.2, val * (0.7 + 0.12 * index))))
        )
    return palette


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and word not in _WORD_COLOURS else word


def _keyword_colour(word: str) -> Rgb | None:
    return _WORD_COLOURS.get(_singular(word))


def _first_keyword_colour(words: list[str], kinds: frozenset[str]) -> Rgb | None:
    return next((_WORD_COLOURS[w] for w in map(_singular, words) if w in kinds), None)


def _hsv(hue: float, sat: float, val: float) -> Rgb:
    r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
    return round(r * 255), round(g * 255), round(b * 255)


def _mix(a: Rgb, b: Rgb, t: float) -> Rgb:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))  # fmt: skip


def _draw_scene(
    size: tuple[int, int], palette: list[Rgb], words: list[str], style: str, rng: random.Random
) -> Image.Image:
    width, height = size
    night = any(_singular(w) in _NIGHT_WORDS for w in words)
    sky = _first_keyword_colour(words, _SKY_WORDS) or _mix((110, 160, 225), palette[1], 0.35)
    sky_top = _mix(sky, (8, 10, 30) if night else (255, 255, 255), 0.55 if night else 0.25)
    sky_bottom = _mix(palette[1], (255, 230, 200), 0.1 if night else 0.45)
    bands = 4 if style in ("anime", "cartoon") else height
    column = Image.new("RGB", (1, bands))
    column.putdata([_mix(sky_top, sky_bottom, i / max(1, bands - 1)) for i in range(bands)])
    image = column.resize(size, Image.Resampling.NEAREST if bands < height else
                          Image.Resampling.BILINEAR)  # fmt: skip
    draw = ImageDraw.Draw(image)
    outline = (16, 16, 20) if style in ("anime", "cartoon") else None
    line_px = max(1, width // 240)
    horizon = round(height * rng.uniform(0.52, 0.68))
    if night:
        for _ in range(width * height // 900):
            x, y = rng.randrange(width), rng.randrange(horizon)
            draw.point((x, y), fill=(250, 250, 235))
    orb_r = round(height * rng.uniform(0.07, 0.13))
    orb_x, orb_y = round(width * rng.uniform(0.15, 0.85)), round(horizon * rng.uniform(0.2, 0.6))
    orb = (236, 236, 250) if night else _mix(palette[2], (255, 240, 160), 0.6)
    draw.ellipse((orb_x - orb_r, orb_y - orb_r, orb_x + orb_r, orb_y + orb_r), fill=orb,
                 outline=outline, width=line_px)  # fmt: skip
    ground = _first_keyword_colour(words, _GROUND_WORDS) or _mix(palette[0], (0, 0, 0), 0.25)
    for layer in range(3):
        base_y = horizon + layer * (height - horizon) // 4
        amplitude = height * (0.12 - 0.03 * layer)
        phase, wave = rng.uniform(0, 6.3), rng.uniform(1.5, 4.0)
        points = [(x, base_y - amplitude * (0.5 + 0.5 * _wave(x / width, wave, phase)))
                  for x in range(0, width + 8, 8)]  # fmt: skip
        colour = _mix(ground, (0, 0, 0) if night else (30, 40, 30), 0.15 * layer)
        draw.polygon([(0, height), *points, (width, height)], fill=colour, outline=outline)
    for _ in range(rng.randint(3, 7)):
        colour = palette[rng.randrange(len(palette))]
        cx, cy = rng.uniform(0.05, 0.95) * width, rng.uniform(0.3, 0.9) * height
        r = rng.uniform(0.03, 0.11) * height
        if rng.random() < 0.5:
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour, outline=outline,
                         width=line_px)  # fmt: skip
        else:
            corners = rng.randint(3, 6)
            angles = sorted(rng.uniform(0, 6.283) for _ in range(corners))
            poly = [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in angles]
            draw.polygon(poly, fill=colour, outline=outline, width=line_px)
    return image


def _wave(x: float, frequency: float, phase: float) -> float:
    angle = x * frequency * math.tau + phase
    return 0.6 * math.sin(angle) + 0.4 * math.sin(2.5 * angle + phase)


def _apply_style(image: Image.Image, style: str, rng: random.Random) -> Image.Image:
    renderer = _STYLE_RENDERERS.get(style, _photographic)
    return renderer(image, rng)


def _random_points(
    image: Image.Image, rng: random.Random, count: int
) -> list[tuple[int, int, int]]:
    """``count`` random (x, y, index of the pixel's first byte) of an RGB or L image."""
    width, height = image.size
    channels = len(image.getbands())
    points = []
    for _ in range(count):
        x, y = int(rng.random() * width), int(rng.random() * height)
        points.append((x, y, (y * width + x) * channels))
    return points


def _watercolor(image: Image.Image, rng: random.Random) -> Image.Image:
    width, height = image.size
    pixels = image.tobytes()
    blobs = Image.new("RGB", image.size, (250, 246, 236))
    draw = ImageDraw.Draw(blobs)
    for x, y, i in _random_points(image, rng, width * height // 120):
        r = (0.01 + 0.025 * rng.random()) * width
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(pixels[i], pixels[i + 1], pixels[i + 2]))
    soft = blobs.filter(ImageFilter.GaussianBlur(width / 160))
    return Image.blend(soft, Image.new("RGB", image.size, (252, 248, 240)), 0.2)


def _sketch(image: Image.Image, rng: random.Random) -> Image.Image:
    width, height = image.size
    grey = image.convert("L")
    edges = ImageChops.invert(grey.filter(ImageFilter.FIND_EDGES)).point(
        lambda v: 255 if v > 235 else v // 2
    )
    paper = Image.new("L", image.size, 244)
    draw = ImageDraw.Draw(paper)
    pixels = grey.tobytes()
    for x, y, i in _random_points(grey, rng, width * height // 90):
        if pixels[i] < 150:
            d = 3 + 5 * rng.random()
            draw.line((x - d, y + d, x + d, y - d), fill=pixels[i] // 2 + 40, width=1)
    return ImageChops.darker(paper, edges).convert("RGB")


def _flat(image: Image.Image, rng: random.Random) -> Image.Image:
    return image.quantize(colors=12, dither=Image.Dither.NONE).convert("RGB")


def _oil(image: Image.Image, rng: random.Random) -> Image.Image:
    width, height = image.size
    canvas = image.filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(canvas)
    pixels = image.tobytes()
    stroke_px = max(2, width // 100)
    for x, y, i in _random_points(image, rng, width * height // 70):
        shade = int(rng.random() * 28) - 14
        fill = tuple(min(255, max(0, channel + shade)) for channel in pixels[i : i + 3])
        dx, dy = (rng.random() - 0.5) * stroke_px * 4, (rng.random() - 0.5) * stroke_px
        draw.line((x - dx, y - dy, x + dx, y + dy), fill=fill, width=stroke_px)
    return canvas.filter(ImageFilter.SMOOTH)


def _pastel(image: Image.Image, rng: random.Random) -> Image.Image:
    soft = image.filter(ImageFilter.GaussianBlur(image.width / 320))
    return Image.blend(soft, Image.new("RGB", image.size, (255, 250, 244)), 0.28)


def _photographic(image: Image.Image, rng: random.Random) -> Image.Image:
    vignette = Image.radial_gradient("L").resize(image.size).point(lambda v: 255 - v * 3 // 5)
    smooth = image.filter(ImageFilter.GaussianBlur(image.width / 400))
    return Image.composite(smooth, Image.new("RGB", image.size, (0, 0, 0)), vignette)


_STYLE_RENDERERS: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "watercolor": _watercolor,
    "sketch": _sketch,
    "anime": _flat,
    "cartoon": _flat,
    "oil-painting": _oil,
    "pixar": _pastel,
    "ghibli": _pastel,
    "photorealistic": _photographic,
}


# The title-safe area: what every Ken Burns framing of the timeline (scale <= 1.15, |offset| <=
# 0.05) and of the offline video's zoom keeps in view, with a margin. See docs/assembly.md.
SAFE_MARGIN_X = 0.16
SAFE_MARGIN_Y = 0.16
_SHOT = re.compile(
    r"^\s*(?:an?\s+|the\s+)?(?P<shot>[\w\s-]*?\b(?:shot|view|detail|portrait|close-up|still life|"
    r"scene|illustration|photo(?:graph)?|painting)\s+(?:of|about)(?:\s+the\s+people\s+behind)?)\s+",
    re.IGNORECASE,
)
_SCENE = re.compile(r"\bscene\s+(\d+(?:\.\d+)?)", re.IGNORECASE)
_NOT_SUBJECT = re.compile(
    r"\b(?:style|light|lighting|scene|render|detailed|4k|8k|hd|quality|palette|mood)\b",
    re.IGNORECASE,
)
_HEADLINE_MAX_CHARS = 40


def headline_of(prompt: str) -> tuple[str, str]:
    """(headline, tag line) for a storyboard card: the prompt's subject, title-cased, and its
    shot and scene number ("Wide establishing shot · 1.2"), from any prompt."""
    text = " ".join(prompt.split())
    shot_match = _SHOT.match(text)
    shot = shot_match.group("shot").removesuffix(" of").removesuffix(" about") if shot_match else ""
    rest = text[shot_match.end() :] if shot_match else text
    parts = [p.strip(" .;:") for p in rest.split(",")]
    subject = [p for p in parts if p and not _NOT_SUBJECT.search(p)]
    headline = " · ".join(p[:1].upper() + p[1:] for p in subject[:3]) if subject else parts[0]
    if len(headline) > _HEADLINE_MAX_CHARS:
        headline = headline[:_HEADLINE_MAX_CHARS].rsplit(" ", 1)[0].rstrip(" ·,") + "…"
    headline = headline[:1].upper() + headline[1:]
    scene = _SCENE.search(text)
    tag = " · ".join(
        part for part in (shot[:1].upper() + shot[1:], scene.group(1) if scene else "") if part
    )
    return headline, tag


def _font(text: str, size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from moviebuild.media.fonts import font_for

    path = font_for(text)
    if path is not None:
        return ImageFont.truetype(str(path), size_px)
    return ImageFont.load_default(size=size_px)


def _draw_headline(picture: Image.Image, prompt: str) -> None:
    """A storyboard card at the top of the title-safe area: a dark translucent panel holding
    the headline (at most two lines) and, smaller, the shot and scene number."""
    headline, tag = headline_of(prompt)
    if not headline:
        return
    width, height = picture.size
    safe_x, safe_y = round(width * SAFE_MARGIN_X), round(height * SAFE_MARGIN_Y)
    max_px = width - 2 * safe_x
    # Sizes follow the height of a landscape frame; a portrait one (9:16) is read on a phone
    # as wide as it is, so its card is sized by its width and the headline fits two lines.
    base = min(height, round(width * 0.8))
    pad = max(2, round(base * 0.018))
    font = _font(headline, max(10, round(base * 0.062)))
    lines = _wrap(headline, font, max_px - 2 * pad, max_lines=2)
    tag_font = _font(tag, max(8, round(base * 0.034)))
    tag_lines = _wrap(tag, tag_font, max_px - 2 * pad, max_lines=1) if tag else []
    line_px = _line_px(font)
    tag_px = _line_px(tag_font)
    text_w = max(font.getlength(line) for line in lines)
    if tag_lines:
        text_w = max(text_w, tag_font.getlength(tag_lines[0]))
    panel_w = min(max_px, round(text_w) + 2 * pad)
    panel_h = len(lines) * line_px + len(tag_lines) * tag_px + 2 * pad
    left = (width - panel_w) // 2
    box = (left, safe_y, left + panel_w, safe_y + panel_h)
    draw = ImageDraw.Draw(picture)
    if picture.mode == "RGBA":
        draw.rounded_rectangle(box, radius=pad, fill=(12, 12, 16, 170))
    else:
        region = picture.crop(box)
        shade = Image.blend(region, Image.new("RGB", region.size, (12, 12, 16)), 0.66)
        mask = Image.new("L", region.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, *region.size), radius=pad, fill=255)
        picture.paste(shade, box[:2], mask)
    y = safe_y + pad
    for line in lines:
        draw.text((width / 2, y), line, font=font, fill=(250, 248, 240), anchor="ma")
        y += line_px
    for line in tag_lines:
        draw.text((width / 2, y), line, font=tag_font, fill=(214, 196, 150), anchor="ma")
        y += tag_px


def _line_px(font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> int:
    return round(font.size * 1.22) if isinstance(font, ImageFont.FreeTypeFont) else 12


def _wrap(
    text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_px: int, *, max_lines: int
) -> list[str]:
    """Greedy word wrap; past ``max_lines`` (or a line too long) the text ends in "..."."""
    lines: list[str] = []
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= max_px:
            lines[-1] = candidate
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1] + "..."]
    return [_fit(line, font, max_px) for line in lines]


def _fit(line: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_px: int) -> str:
    if font.getlength(line) <= max_px:
        return line
    while len(line) > 1 and font.getlength(line + "...") > max_px:
        line = line[:-1]
    return line.rstrip() + "..."
