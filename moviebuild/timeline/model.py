"""The timeline document: versioned pydantic models, its JSON Schema, and canonical bytes.

This module owns the format and its invariants (see docs/timeline.md); it does not decide where
clips go (assemble.py) or how they are drawn (render.py).
"""

from __future__ import annotations

import itertools
import json
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from moviebuild.errors import StoreFormatError

TIMELINE_FORMAT_VERSION: Final = 1
ASSET_MAP_FORMAT_VERSION: Final = 1

_TOLERANCE_S = 1e-5


def _round_us(value: float) -> float:
    # Microsecond rounding keeps dumps short and identical however a time was computed;
    # "+ 0.0" turns -0.0 into 0.0.
    return round(float(value), 6) + 0.0


Seconds = Annotated[float, Field(ge=0), AfterValidator(_round_us)]
Fraction = Annotated[float, AfterValidator(_round_us)]
AssetId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*(\[[1-9][0-9]*\])*$")]
SegmentIndex = Annotated[int, Field(ge=1)]


class _Frozen(BaseModel):
    # Validators are built on first use, so a command pays only for the documents it makes.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class KenBurnsPreset(StrEnum):
    """The named camera moves; the assembler alternates them in this order."""

    PUSH_IN = "push-in"
    PAN_RIGHT = "pan-right"
    PUSH_OUT = "push-out"
    PAN_LEFT = "pan-left"


class GapReason(StrEnum):
    """Why a gap exists.

    visual-missing: the segment has no visual at all; renderers show a dark slate.
    image-missing: some of the segment's images are missing; the others share its time.
    narration-missing: the segment is silent (music is not ducked there).
    music-missing: the movie has no music (a movie-wide gap, ``segment`` is null).
    """

    VISUAL_MISSING = "visual-missing"
    IMAGE_MISSING = "image-missing"
    NARRATION_MISSING = "narration-missing"
    MUSIC_MISSING = "music-missing"


class Framing(_Frozen):
    """Where the image sits at one end of a clip, relative to the frame (see ``KenBurns``)."""

    scale: Annotated[float, Field(ge=1.0, le=4.0), AfterValidator(_round_us)]
    offset_x: Fraction = 0.0
    offset_y: Fraction = 0.0

    @model_validator(mode="after")
    def _covers_the_frame(self) -> Framing:
        limit = (self.scale - 1.0) / 2.0 + 1e-9
        if abs(self.offset_x) > limit or abs(self.offset_y) > limit:
            raise ValueError(
                f"offsets must stay within (scale - 1) / 2 = {limit:.6f}"
                " so the image covers the frame"
            )
        return self


class KenBurns(_Frozen):
    """The camera move of one image clip.

    Geometry (frame of W x H pixels, image of w x h pixels, clip of duration D seconds):

    1. Cover: the image is scaled uniformly by c = max(W / w, H / h) so it covers the frame,
       centred on the frame centre.
    2. At clip time t (0 <= t < D, t = k / fps for the clip's k-th frame) let p = t / D and
       s = start.scale + (end.scale - start.scale) * p, likewise offset_x and offset_y.
    3. The covered image is scaled by s about the frame centre, then translated by
       (offset_x * W, offset_y * H); positive offsets move the image right and down.

    So the image's top-left corner is at
    ``(W/2 - w*c*s/2 + offset_x*W, H/2 - h*c*s/2 + offset_y*H)`` and its size is
    ``(w*c*s, h*c*s)``. Because scale >= 1 and |offset| <= (scale - 1) / 2 at both ends, the
    image covers the frame at every instant.
    """

    preset: KenBurnsPreset
    start: Framing
    end: Framing


class ImageClip(_Frozen):
    """A still image shown for ``duration_s`` with a Ken Burns move."""

    type: Literal["image"] = "image"
    asset: AssetId
    segment: SegmentIndex
    start_s: Seconds
    duration_s: Annotated[float, Field(gt=0), AfterValidator(_round_us)]
    ken_burns: KenBurns


class VideoClip(_Frozen):
    """A video clip, scaled to cover the frame and centred (no Ken Burns).

    Source time = clip time * playback_rate, from the source's first frame. When the source ends
    before the clip does, its last frame is held; when it is longer, it is cut at the clip's end.
    """

    type: Literal["video"] = "video"
    asset: AssetId
    segment: SegmentIndex
    start_s: Seconds
    duration_s: Annotated[float, Field(gt=0), AfterValidator(_round_us)]
    playback_rate: Annotated[float, Field(gt=0, le=16), AfterValidator(_round_us)] = 1.0


VisualClip = Annotated[ImageClip | VideoClip, Field(discriminator="type")]


class AudioClip(_Frozen):
    """A narration clip: the source plays from its start for ``duration_s`` (cut if longer).

    ``cut_s`` is how much of the source is cut off at the segment's end (only the ``fixed``
    strategy ever cuts); every such cut is reported as a notice (``timeline_notices``).
    """

    asset: AssetId
    segment: SegmentIndex
    start_s: Seconds
    duration_s: Annotated[float, Field(gt=0), AfterValidator(_round_us)]
    cut_s: Seconds = 0.0


class VolumePoint(_Frozen):
    """One point of a volume envelope; ``time_s`` counts from the music clip's start."""

    time_s: Seconds
    volume: Annotated[float, Field(ge=0, le=4), AfterValidator(_round_us)]


class MusicClip(_Frozen):
    """Background music with a volume envelope.

    The volume is linear between points, equal to the first point's before it and the last
    point's after it; a point list with equal times is a step. The assembler ducks the music
    under each narration with short ramps (docs/timeline.md).
    """

    asset: AssetId
    start_s: Seconds
    duration_s: Annotated[float, Field(gt=0), AfterValidator(_round_us)]
    envelope: Annotated[tuple[VolumePoint, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _times_increase(self) -> MusicClip:
        times = [point.time_s for point in self.envelope]
        if times != sorted(times):
            raise ValueError("envelope times must not decrease")
        return self

    def volume_at(self, time_s: float) -> float:
        """The envelope's volume ``time_s`` seconds after the clip's start."""
        points = self.envelope
        if time_s <= points[0].time_s:
            return points[0].volume
        for before, after in itertools.pairwise(points):
            if before.time_s <= time_s < after.time_s:
                fraction = (time_s - before.time_s) / (after.time_s - before.time_s)
                return before.volume + (after.volume - before.volume) * fraction
        return points[-1].volume


class CaptionPosition(StrEnum):
    """Where captions sit: along the bottom or the top of the title-safe area."""

    BOTTOM = "bottom"
    TOP = "top"


class CaptionStyle(_Frozen):
    """How both renderers draw captions (docs/timeline.md#captions); sizes are fractions of the
    frame's height, so the layout is the same at every render size."""

    enabled: bool = True
    position: CaptionPosition = CaptionPosition.BOTTOM
    size: Annotated[float, Field(ge=0.02, le=0.12), AfterValidator(_round_us)] = 0.05
    max_lines: Annotated[int, Field(ge=1, le=3)] = 2


class CaptionWord(_Frozen):
    """One word of a caption, on line ``line`` (0 first), spoken from ``start_s`` to ``end_s``."""

    text: Annotated[str, Field(min_length=1)]
    line: Annotated[int, Field(ge=0)]
    start_s: Seconds
    end_s: Seconds


class Caption(_Frozen):
    """A page of narration text shown from ``start_s`` to ``end_s``: its ``words``, already
    broken into lines, each highlighted while it is spoken. ``spaced`` is false for scripts
    written without spaces between words (Chinese, Japanese)."""

    text: Annotated[str, Field(min_length=1)]
    segment: SegmentIndex
    start_s: Seconds
    end_s: Seconds
    words: tuple[CaptionWord, ...] = ()
    spaced: bool = True

    def lines(self) -> list[str]:
        """The caption's lines as drawn."""
        joiner = " " if self.spaced else ""
        count = 1 + max((word.line for word in self.words), default=0)
        if not self.words:
            return [self.text]
        return [joiner.join(w.text for w in self.words if w.line == n) for n in range(count)]

    @model_validator(mode="after")
    def _ends_after_start(self) -> Caption:
        if self.end_s <= self.start_s:
            raise ValueError("a caption must end after it starts")
        return self


class Gap(_Frozen):
    """Something the movie should have but does not (a failed or blocked job)."""

    segment: SegmentIndex | None
    start_s: Seconds
    end_s: Seconds
    missing: tuple[AssetId, ...]
    reason: GapReason


class SegmentSpan(_Frozen):
    """Where a segment sits in the movie."""

    index: SegmentIndex
    start_s: Seconds
    duration_s: Annotated[float, Field(gt=0), AfterValidator(_round_us)]

    @property
    def end_s(self) -> float:
        return _round_us(self.start_s + self.duration_s)


class TransitionKind(StrEnum):
    """How one segment gives way to the next (docs/timeline.md#transitions).

    dissolve: the outgoing picture fades into the incoming one.
    fade: the outgoing picture fades to ``color``, then the incoming one fades in from it.
    slide: the incoming picture slides in from the right, pushing the outgoing one out.
    """

    DISSOLVE = "dissolve"
    FADE = "fade"
    SLIDE = "slide"


class Transition(_Frozen):
    """A transition into segment ``segment`` over its first ``duration_s`` seconds.

    The outgoing picture is the previous segment's last frame, held; the incoming one plays as
    usual. At the window's k-th of n frames the progress is p = (k + 0.5) / n, so no frame of
    the window shows only one side. Captions and cards are drawn over it unchanged.
    """

    segment: Annotated[int, Field(ge=2)]
    kind: TransitionKind
    duration_s: Annotated[float, Field(gt=0, le=2), AfterValidator(_round_us)]
    color: Annotated[str, Field(pattern=r"^#[0-9a-f]{6}$")] = "#000000"


class CardKind(StrEnum):
    """A title card opens the movie; an end card closes it (with its sources, if any)."""

    TITLE = "title"
    END = "end"


class Source(_Frozen):
    """A source the movie names on its end card: a web page (``url``) or a file (``file``)."""

    title: Annotated[str, Field(min_length=1)]
    url: str | None = None
    file: str | None = None


class Card(_Frozen):
    """A full-frame card drawn over the picture (under the captions) from ``start_s`` for
    ``duration_s``: ``title`` large, ``subtitle`` under it, then ``sources`` one a line."""

    kind: CardKind
    start_s: Seconds
    duration_s: Annotated[float, Field(gt=0), AfterValidator(_round_us)]
    title: str
    subtitle: str = ""
    sources: tuple[Source, ...] = ()
    color: Annotated[str, Field(pattern=r"^#[0-9a-f]{6}$")] = "#101014"


class SourceCredit(_Frozen):
    """A research source (Moviefile ``sources:``) and the segments whose narration cites it."""

    number: Annotated[int, Field(ge=1)]
    title: Annotated[str, Field(min_length=1)]
    url: str | None = None
    file: str | None = None
    segments: tuple[SegmentIndex, ...] = ()


class Tracks(_Frozen):
    visual: tuple[VisualClip, ...] = ()
    narration: tuple[AudioClip, ...] = ()
    music: tuple[MusicClip, ...] = ()
    captions: tuple[Caption, ...] = ()


class Timeline(_Frozen):
    """A movie as clips on tracks. Times are seconds from the movie's start.

    Invariants: segments are numbered 1..n in order, back to back from 0, and end at
    ``duration_s``; every visual clip lies inside its segment.
    """

    format_version: Literal[1] = TIMELINE_FORMAT_VERSION
    title: str
    fps: Annotated[int, Field(ge=1, le=120)]
    width: Annotated[int, Field(ge=2, le=8192)]
    height: Annotated[int, Field(ge=2, le=8192)]
    duration_s: Seconds
    segments: tuple[SegmentSpan, ...]
    tracks: Tracks
    gaps: tuple[Gap, ...] = ()
    caption_style: CaptionStyle = CaptionStyle()
    transitions: tuple[Transition, ...] = ()
    cards: tuple[Card, ...] = ()
    sources: tuple[SourceCredit, ...] = ()
    """The research sources, for an end card; absent from the file when the movie has none."""

    @model_validator(mode="after")
    def _segments_tile_the_movie(self) -> Timeline:
        cursor = 0.0
        for number, span in enumerate(self.segments, start=1):
            if span.index != number or abs(span.start_s - cursor) > _TOLERANCE_S:
                raise ValueError(f"segment {span.index} must be number {number} at {cursor:.6f} s")
            cursor = span.end_s
        if abs(cursor - self.duration_s) > _TOLERANCE_S:
            raise ValueError(f"segments end at {cursor:.6f} s but duration_s is {self.duration_s}")
        for clip in self.tracks.visual:
            if not 1 <= clip.segment <= len(self.segments):
                raise ValueError(f"visual clip {clip.asset} names unknown segment {clip.segment}")
            span = self.segments[clip.segment - 1]
            clip_end_s = clip.start_s + clip.duration_s
            if clip.start_s < span.start_s - _TOLERANCE_S or clip_end_s > span.end_s + _TOLERANCE_S:
                raise ValueError(f"visual clip {clip.asset} lies outside segment {clip.segment}")
        self._check_transitions()
        for card in self.cards:
            if card.start_s + card.duration_s > self.duration_s + _TOLERANCE_S:
                raise ValueError(f"the {card.kind} card ends after the movie")
        return self

    def _check_transitions(self) -> None:
        seen: set[int] = set()
        for transition in self.transitions:
            number = transition.segment
            if number > len(self.segments) or number in seen:
                raise ValueError(f"transition into segment {number}: no such segment, or two")
            seen.add(number)
            span = self.segments[number - 1]
            ends = span.start_s + transition.duration_s
            if self.clip_at(span.start_s, number) is None or self.clip_at(
                ends - 1e-4, number
            ) is not self.clip_at(span.start_s, number):
                raise ValueError(
                    f"transition into segment {number}: its first {transition.duration_s} s "
                    "must lie in one visual clip"
                )
            if self.clip_at(span.start_s - 1e-4, number - 1) is None:
                raise ValueError(
                    f"transition into segment {number}: segment {number - 1} must end on a "
                    "visual clip"
                )

    def clip_at(self, time_s: float, segment: int) -> ImageClip | VideoClip | None:
        """The visual clip of ``segment`` showing at ``time_s``, if any."""
        for clip in self.tracks.visual:
            if clip.segment == segment and clip.start_s - _TOLERANCE_S <= time_s < (
                clip.start_s + clip.duration_s - _TOLERANCE_S
            ):
                return clip
        return None

    def transition_into(self, index: int) -> Transition | None:
        """The transition at the start of segment ``index``, if it has one."""
        return next((item for item in self.transitions if item.segment == index), None)

    def segment(self, index: int) -> SegmentSpan:
        """The span of segment ``index`` (1-based)."""
        return self.segments[index - 1]

    def visual_clips(self, index: int) -> tuple[ImageClip | VideoClip, ...]:
        """The visual clips of segment ``index``, in time order."""
        return tuple(clip for clip in self.tracks.visual if clip.segment == index)

    def gaps_of(self, index: int) -> tuple[Gap, ...]:
        return tuple(gap for gap in self.gaps if gap.segment == index)


class AssetMap(_Frozen):
    """Resolves asset ids to URLs or paths relative to the timeline file."""

    format_version: Literal[1] = ASSET_MAP_FORMAT_VERSION
    assets: dict[AssetId, str]


def timeline_json_schema() -> dict[str, Any]:
    """The published JSON Schema of timeline.json."""
    schema = Timeline.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def asset_map_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the asset map."""
    schema = AssetMap.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _canonical_bytes(model: BaseModel, exclude: set[str] | None = None) -> bytes:
    text = json.dumps(
        model.model_dump(mode="json", exclude=exclude),
        sort_keys=True,
        indent=2,
        ensure_ascii=False,
        allow_nan=False,
    )
    return (text + "\n").encode("utf-8")


def dump_timeline(timeline: Timeline) -> bytes:
    """Canonical bytes: sorted keys, microsecond-rounded floats; equal timelines, equal bytes.

    A movie without sources writes no ``sources`` key, so its timeline keeps its bytes."""
    return _canonical_bytes(timeline, exclude={"sources"} if not timeline.sources else None)


def dump_asset_map(asset_map: AssetMap) -> bytes:
    return _canonical_bytes(asset_map)


def _load(data: bytes, model: type[_Frozen], what: str, version: int) -> Any:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreFormatError(f"{what} is not JSON: {exc}") from exc
    found = document.get("format_version") if isinstance(document, dict) else None
    if found != version:
        raise StoreFormatError(
            f"{what} has format_version {found!r}; this moviebuild reads version {version}",
            hint="run moviebuild again to reassemble it, or use the moviebuild that wrote it",
        )
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(document)"
        raise StoreFormatError(
            f"{what} is invalid at {where}: {first['msg']} ({exc.error_count()} problem(s))",
            hint="run moviebuild again to reassemble it",
        ) from exc


def load_timeline(data: bytes) -> Timeline:
    """Parse timeline.json bytes; StoreFormatError on another version or an invalid document."""
    timeline: Timeline = _load(data, Timeline, "timeline", TIMELINE_FORMAT_VERSION)
    return timeline


def timeline_notices(timeline: Timeline) -> list[str]:
    """What a person should know about how the timeline was fitted: one line per narration
    that was cut at its segment's end (``fixed``), with the seconds lost."""
    notices = []
    for clip in timeline.tracks.narration:
        if clip.cut_s >= 0.01:
            span = timeline.segment(clip.segment)
            notices.append(
                f"segment {clip.segment}: its narration runs {clip.duration_s + clip.cut_s:.2f} s "
                f"but the segment is {span.duration_s:.2f} s, so the last {clip.cut_s:.2f} s are "
                "cut (assembly: fixed); set `assembly: fit-narration` to keep every word"
            )
    return notices


def load_asset_map(data: bytes) -> AssetMap:
    asset_map: AssetMap = _load(data, AssetMap, "asset map", ASSET_MAP_FORMAT_VERSION)
    return asset_map
