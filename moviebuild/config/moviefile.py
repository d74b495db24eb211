"""The Moviefile model: what a user may write in ``Moviefile.yaml``, with its bounds.

Validation of single fields lives here; checks that need the file's positions or the blueprints
(segment numbers, provider names) live in ``load.py``. Unknown keys are errors everywhere.
"""

from __future__ import annotations

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
    Size,
    frame_size,
)

SEGMENT_LENGTH_S = 10
MAX_SEGMENTS = 30
MAX_IMAGES_PER_SEGMENT = 5

#: Adapters a Moviefile may name. ``fake`` is moviebuild.testing's scripted adapter.
KNOWN_ADAPTERS = ("offline", "openai", "elevenlabs", "replicate", "fal", "fake")

_STRICT = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

Number = StrictInt | StrictFloat


class Branch(StrEnum):
    """Which visual branch a segment takes."""

    IMAGES = "images"
    VIDEO_BY_TEXT = "video-by-text"
    VIDEO_BY_IMAGE = "video-by-image"


class ProviderSpec(BaseModel):
    """Which adapter and model a role or producer uses, with model parameters."""

    model_config = _STRICT

    adapter: str = "offline"
    model: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    simulate_latency: Literal["medians"] | None = None
    time_scale: Annotated[Number, Field(gt=0)] = 1.0

    @field_validator("adapter")
    @classmethod
    def _known_adapter(cls, value: str) -> str:
        if value not in KNOWN_ADAPTERS:
            raise ValueError(f"unknown provider '{value}'; known: {', '.join(KNOWN_ADAPTERS)}")
        return value


class LimitSpec(BaseModel):
    """A pool's limits: calls in flight and requests per minute."""

    model_config = _STRICT

    concurrent: Annotated[StrictInt, Field(ge=1, le=256)] = 4
    requests_per_minute: Annotated[StrictInt, Field(ge=1)] | None = None


class SegmentSettings(BaseModel):
    """Per-segment choices that override the movie-wide defaults."""

    model_config = _STRICT

    use_video: StrictBool | None = None
    image_to_video: StrictBool | None = None


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


class Moviefile(BaseModel):
    """A validated Moviefile. Field names are the names job keys and reasons use."""

    model_config = _STRICT

    inquiry: Annotated[str, Field(min_length=1)]
    duration: Annotated[StrictInt, Field(ge=10, le=MAX_SEGMENTS * SEGMENT_LENGTH_S)]
    audience: Audience = Audience.ADULTS
    language: Language = Language.EN
    voice: Annotated[str, Field(min_length=1)] = "narrator"
    emotion: Emotion | None = None
    use_video: StrictBool = False
    image_to_video: StrictBool = False
    images_per_segment: Annotated[StrictInt, Field(ge=1, le=MAX_IMAGES_PER_SEGMENT)] = 3
    image_style: ImageStyle = ImageStyle.PHOTOREALISTIC
    size: Size = Size.P720
    aspect_ratio: AspectRatio = AspectRatio.WIDE
    music_prompt: Annotated[str, Field(min_length=1)] | None = None
    assembly: AssemblyStrategy = AssemblyStrategy.FIT_NARRATION
    captions: CaptionSettings = Field(default_factory=CaptionSettings)
    segments: dict[StrictInt, SegmentSettings] = Field(default_factory=dict)
    providers: dict[str, ProviderSpec] = Field(default_factory=dict)
    limits: dict[str, LimitSpec] = Field(default_factory=dict)
    store: str | None = None

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

    def field_value(self, name: str) -> Any:
        """A Moviefile field as plain JSON data, for job keys and reasons."""
        value = getattr(self, name)
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        return value.value if isinstance(value, StrEnum) else value


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
)
