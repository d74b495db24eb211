"""The closed sets of values a Moviefile may use, and the frame sizes they imply."""

from __future__ import annotations

from enum import StrEnum


class Audience(StrEnum):
    KIDS = "kids"
    TEENS = "teens"
    ADULTS = "adults"
    ACADEMIC = "academic"
    ENTHUSIASTS = "enthusiasts"


class Language(StrEnum):
    EN = "en"
    ES = "es"
    FR = "fr"
    DE = "de"
    IT = "it"
    PT = "pt"
    TR = "tr"
    JA = "ja"
    NL = "nl"
    PL = "pl"
    RU = "ru"
    ZH = "zh"
    KO = "ko"
    AR = "ar"
    HI = "hi"


class Emotion(StrEnum):
    NEUTRAL = "neutral"
    CALM = "calm"
    CHEERFUL = "cheerful"
    EXCITED = "excited"
    SERIOUS = "serious"
    SAD = "sad"
    DRAMATIC = "dramatic"
    WARM = "warm"


class ImageStyle(StrEnum):
    PHOTOREALISTIC = "photorealistic"
    WATERCOLOR = "watercolor"
    ANIME = "anime"
    CARTOON = "cartoon"
    PIXAR = "pixar"
    GHIBLI = "ghibli"
    OIL_PAINTING = "oil-painting"
    SKETCH = "sketch"


class Size(StrEnum):
    P480 = "480p"
    P720 = "720p"
    P1080 = "1080p"


class AspectRatio(StrEnum):
    WIDE = "16:9"
    TALL = "9:16"
    SQUARE = "1:1"
    CLASSIC = "4:3"


class AssemblyStrategy(StrEnum):
    """How segment lengths and visuals fit the narration (see docs/assembly.md)."""

    FIXED = "fixed"
    FIT_NARRATION = "fit-narration"
    SPEED_ADJUST = "speed-adjust"


class Role(StrEnum):
    """What kind of provider a producer calls; INTERNAL jobs call none."""

    TEXT = "text"
    SPEECH = "speech"
    MUSIC = "music"
    IMAGE = "image"
    VIDEO = "video"
    INTERNAL = "internal"


def frame_size(size: Size | str, aspect: AspectRatio | str) -> tuple[int, int]:
    """Width and height in pixels: the short side is the size's line count, both even."""
    short = {"480p": 480, "720p": 720, "1080p": 1080}[str(size)]
    across, down = (int(part) for part in str(aspect).split(":"))
    width, height = (
        (short * across / down, short) if across >= down else (short, short * down / across)
    )
    return round(width / 2) * 2, round(height / 2) * 2
