"""The Moviefile model: what a user may write in ``Moviefile.yaml``, with its bounds.

Validation of single fields lives here; checks that need the file's positions or the blueprints
(segment numbers, provider names) live in ``load.py``. Unknown keys are errors everywhere.
"""

from __future__ import annotations

import datetime
import math
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from moviebuild.config.enums import (
    AspectRatio,
    AssemblyStrategy,
    Audience,
    Emotion,
    ImageStyle,
    Language,
    Role,
    Size,
    frame_size,
)
from moviebuild.config.texts import MAX_INQUIRY_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS

SEGMENT_LENGTH_S = 10
MAX_SEGMENTS = 30
MAX_IMAGES_PER_SEGMENT = 5

#: Adapters a Moviefile may name. ``fake`` is moviebuild.testing's scripted adapter.
KNOWN_ADAPTERS = ("offline", "openai", "elevenlabs", "replicate", "fal", "fake")

_ALL_ROLES = frozenset(Role) - {Role.INTERNAL}

#: The roles each adapter can serve; choosing one for another role is a Moviefile error.
ADAPTER_ROLES: dict[str, frozenset[Role]] = {
    "offline": _ALL_ROLES,
    "fake": _ALL_ROLES,
    "openai": frozenset({Role.TEXT, Role.IMAGE, Role.SPEECH}),
    "elevenlabs": frozenset({Role.SPEECH, Role.MUSIC}),
    "replicate": frozenset({Role.IMAGE, Role.VIDEO, Role.MUSIC, Role.SPEECH}),
    "fal": frozenset({Role.IMAGE, Role.VIDEO, Role.MUSIC}),
}

_STRICT = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

#: A finite number; strict floats take whole numbers too, never true/false or text.
Number = Annotated[StrictFloat, Field(allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]
#: A variant's name is a folder name under ``variants/``: lower-case letters, digits and dashes.
VariantName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


class Branch(StrEnum):
    """Which visual branch a segment takes."""

    IMAGES = "images"
    VIDEO_BY_TEXT = "video-by-text"
    VIDEO_BY_IMAGE = "video-by-image"


class ProviderSpec(BaseModel):
    """Which adapter and model a role or producer uses, with model parameters."""

    model_config = _STRICT

    adapter: str = "offline"
    model: Name | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    simulate_latency: Literal["medians"] | None = None
    time_scale: Annotated[Number, Field(gt=0)] = 1.0

    @field_validator("adapter")
    @classmethod
    def _known_adapter(cls, value: str) -> str:
        if value not in KNOWN_ADAPTERS:
            raise ValueError(f"unknown provider '{value}'; known: {', '.join(KNOWN_ADAPTERS)}")
        return value

    @field_validator("params")
    @classmethod
    def _plain_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        problem = _json_problem(value, ())
        if problem:
            raise problem
        return value


class NotPlainData(ValueError):
    """A value inside ``params`` that is not plain JSON data; ``path`` leads to it."""

    def __init__(self, message: str, path: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.path = path


def _json_problem(value: Any, path: tuple[str | int, ...]) -> NotPlainData | None:
    """Why ``value`` is not plain JSON data (params go into job keys and requests), or None."""
    if value is None or isinstance(value, bool | int | str):
        return None
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return NotPlainData(
            f"{value} is not a number a provider accepts; give a finite number", path
        )
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = _json_problem(item, (*path, index))
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return NotPlainData(f"the key {key!r} must be text; quote it", path)
            problem = _json_problem(item, (*path, key))
            if problem:
                return problem
        return None
    if isinstance(value, datetime.date):
        return NotPlainData(
            f"{value} reads as a date; quote it ('{value}') to pass it as text", path
        )
    if isinstance(value, bytes):
        return NotPlainData("binary data (!!binary) cannot be sent to a provider; give text", path)
    return NotPlainData(f"{type(value).__name__} values are not allowed; use text or numbers", path)


class LimitSpec(BaseModel):
    """A pool's limits: calls in flight and requests per minute."""

    model_config = _STRICT

    concurrent: Annotated[StrictInt, Field(ge=1, le=256)] = 4
    requests_per_minute: Annotated[StrictInt, Field(ge=1)] | None = None


class TransitionSettings(BaseModel):
    """How a segment begins: a hard cut, or a transition of ``duration`` seconds (docs/timeline.md
    #transitions). ``transition: dissolve`` is short for ``{kind: dissolve}``."""

    model_config = _STRICT

    kind: Literal["cut", "dissolve", "fade", "slide"] = "cut"
    duration: Annotated[float, Field(gt=0, le=2)] = 0.5
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#000000"

    @model_validator(mode="before")
    @classmethod
    def _kind_alone(cls, value: Any) -> Any:
        return {"kind": value} if isinstance(value, str) else value


class SegmentSettings(BaseModel):
    """Per-segment choices that override the movie-wide defaults."""

    model_config = _STRICT

    use_video: StrictBool | None = None
    image_to_video: StrictBool | None = None
    transition: TransitionSettings | None = None
    """The transition into this segment (from the previous one)."""


class CaptionSettings(BaseModel):
    """Captions drawn from the narration: on or off, where, how large (docs/timeline.md)."""

    model_config = _STRICT

    enabled: StrictBool = True
    position: Literal["bottom", "top"] = "bottom"
    size: Literal["small", "medium", "large"] = "medium"

    @model_validator(mode="before")
    @classmethod
    def _on_or_off(cls, value: Any) -> Any:
        # `captions: false` is short for `captions: {enabled: false}`.
        return {"enabled": value} if isinstance(value, bool) else value


class SourceSpec(BaseModel):
    """A document the research reads: a file under the movie folder or a URL (docs/sources.md)."""

    model_config = _STRICT

    file: Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)] | None = None
    url: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    title: Name | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        # `- notes.md` and `- https://...` are short for `{file: ...}` and `{url: ...}`.
        if isinstance(value, str):
            return {"url": value} if value.startswith(("http://", "https://")) else {"file": value}
        return value

    @model_validator(mode="after")
    def _one_place(self) -> SourceSpec:
        if (self.file is None) == (self.url is None):
            raise ValueError("a source names either `file:` or `url:`")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"'{self.url}' is not an http(s) URL")
        return self

    @property
    def place(self) -> str:
        """The file or URL, as written."""
        return self.file or self.url or ""


class ReferenceSpec(BaseModel):
    """A continuity sheet: a character, place, object or style that shots keep consistent."""

    model_config = _STRICT

    name: Annotated[str, Field(min_length=1, max_length=60)]
    description: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
    images: Annotated[list[Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]],
                      Field(max_length=4)] = Field(default_factory=list)
    applies_to: Literal["mentioned", "all"] = "mentioned"


class Moviefile(BaseModel):
    """A validated Moviefile. Field names are the names job keys and reasons use."""

    model_config = _STRICT

    inquiry: Annotated[str, Field(min_length=1, max_length=MAX_INQUIRY_CHARS)]
    duration: Annotated[StrictInt, Field(ge=10, le=MAX_SEGMENTS * SEGMENT_LENGTH_S)]
    audience: Audience = Audience.ADULTS
    language: Language = Language.EN
    voice: Name = "narrator"
    emotion: Emotion | None = None
    use_video: StrictBool = False
    image_to_video: StrictBool = False
    images_per_segment: Annotated[StrictInt, Field(ge=1, le=MAX_IMAGES_PER_SEGMENT)] = 3
    image_style: ImageStyle = ImageStyle.PHOTOREALISTIC
    size: Size = Size.P720
    aspect_ratio: AspectRatio = AspectRatio.WIDE
    music_prompt: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)] | None = None
    assembly: AssemblyStrategy = AssemblyStrategy.FIT_NARRATION
    captions: CaptionSettings = Field(default_factory=CaptionSettings)
    transition: TransitionSettings = Field(default_factory=TransitionSettings)
    title_card: StrictBool = False
    end_card: StrictBool = False
    segments: dict[StrictInt, SegmentSettings] = Field(default_factory=dict)
    providers: dict[str, ProviderSpec] = Field(default_factory=dict)
    limits: dict[str, LimitSpec] = Field(default_factory=dict)
    store: Annotated[str, Field(max_length=MAX_NAME_CHARS)] | None = None
    sources: Annotated[list[SourceSpec], Field(max_length=20)] = Field(default_factory=list)
    references: Annotated[list[ReferenceSpec], Field(max_length=20)] = Field(
        default_factory=list
    )
    variants: dict[VariantName, dict[str, Any]] = Field(default_factory=dict)
    """Named patches of settings (config/variants.py checks them with their positions)."""
    translate_from: Language | None = None
    """The language the script is written in before a translation into ``language``; a
    variant whose language differs from the base movie's sets it to the base's."""

    @field_validator("references")
    @classmethod
    def _distinct_names(cls, value: list[ReferenceSpec]) -> list[ReferenceSpec]:
        seen: set[str] = set()
        for reference in value:
            if not reference.name.strip() or not any(ch.isalnum() for ch in reference.name):
                raise ValueError(f"'{reference.name}' is not a name a prompt can mention")
            if reference.name.casefold() in seen:
                raise ValueError(f"two references are named '{reference.name}'; names differ")
            seen.add(reference.name.casefold())
        return value

    @field_validator("inquiry")
    @classmethod
    def _inquiry_has_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the inquiry is empty; say what the movie is about")
        return value.strip()

    @field_validator("duration")
    @classmethod
    def _whole_segments(cls, value: int) -> int:
        if value % SEGMENT_LENGTH_S:
            raise ValueError(
                f"duration must be a multiple of {SEGMENT_LENGTH_S} seconds "
                f"(segments are {SEGMENT_LENGTH_S} s), e.g. {value - value % 10 or 10}"
            )
        return value

    @property
    def segment_count(self) -> int:
        """n: the number of 10-second segments."""
        return self.duration // SEGMENT_LENGTH_S

    def frame_size(self) -> tuple[int, int]:
        """Width and height in pixels of images, videos and the timeline."""
        return frame_size(self.size, self.aspect_ratio)

    def branch(self, segment: int) -> Branch:
        """The visual branch of a 1-based segment, after per-segment overrides."""
        settings = self.segments.get(segment)
        use_video = self.use_video
        image_to_video = self.image_to_video
        if settings is not None:
            use_video = use_video if settings.use_video is None else settings.use_video
            if settings.image_to_video is not None:
                image_to_video = settings.image_to_video
        if not use_video:
            return Branch.IMAGES
        return Branch.VIDEO_BY_IMAGE if image_to_video else Branch.VIDEO_BY_TEXT

    def transitions(self) -> dict[str, dict[str, Any]]:
        """The transition into each segment that has one, by segment number (as text), after
        per-segment overrides: what the assembler reads as ``transition``."""
        chosen = {}
        for segment in range(2, self.segment_count + 1):
            settings = self.segments.get(segment)
            wanted = settings.transition if settings and settings.transition else self.transition
            if wanted.kind != "cut":
                chosen[str(segment)] = {"kind": wanted.kind, "duration_s": wanted.duration,
                                        "color": wanted.color.lower()}  # fmt: skip
        return chosen

    def field_value(self, name: str) -> Any:
        """A Moviefile field as plain JSON data, for job keys and reasons."""
        if name == "transition":
            return self.transitions()
        value = getattr(self, name)
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        return value.value if isinstance(value, StrEnum) else value

    @property
    def translates(self) -> bool:
        """Whether the script is written in another language and translated into this one."""
        return self.translate_from is not None and self.translate_from != self.language


#: Fields a job may read (``reads:`` in blueprints); the rest shape the graph or the run.
READABLE_FIELDS = (
    "inquiry",
    "duration",
    "audience",
    "language",
    "voice",
    "emotion",
    "images_per_segment",
    "image_style",
    "size",
    "aspect_ratio",
    "assembly",
    "captions",
    "transition",
    "title_card",
    "end_card",
)
