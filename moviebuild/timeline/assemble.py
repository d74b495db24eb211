"""Assembly strategies: turn a movie's generated artifacts into a Timeline (docs/assembly.md).

It owns segment lengths, clip placement, Ken Burns presets, music ducking, captions and gaps. It
is handed plain data (ids and measured durations); it never reads media, the store or the engine.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import ValidationError

from moviebuild.config.enums import AssemblyStrategy
from moviebuild.errors import InternalError
from moviebuild.timeline.captions import caption_pages
from moviebuild.timeline.model import (
    AudioClip,
    Caption,
    CaptionStyle,
    Card,
    CardKind,
    Framing,
    Gap,
    GapReason,
    ImageClip,
    KenBurns,
    KenBurnsPreset,
    MusicClip,
    SegmentSpan,
    Source,
    SourceCredit,
    Timeline,
    Tracks,
    Transition,
    VideoClip,
    VolumePoint,
)

# When the same material assembles differently, bump ASSEMBLY_VERSION (timeline/versions.py)
# so the assembler job reruns.
LEAD_OUT_S = 0.5
"""fit-narration and speed-adjust: silence after a narration before the next segment."""
MIN_SEGMENT_S = 3.0
"""fit-narration and speed-adjust: no segment with narration is shorter than this."""
MIN_PLAYBACK_RATE = 0.5
MAX_PLAYBACK_RATE = 2.0
MUSIC_VOLUME = 1.0
DUCKED_VOLUME = 0.25
DUCK_RAMP_S = 0.3
MUSIC_CROSSFADE_S = 3.0
"""Music shorter than the movie repeats; each repeat fades in over this long while the one
before fades out (at most a quarter of the track)."""
_HALF_POWER = 0.707107
MUSIC_TAIL_S = 2.0
"""Repeated music fades out over the movie's last seconds instead of stopping mid-bar."""

_PRESET_ORDER = (
    KenBurnsPreset.PUSH_IN,
    KenBurnsPreset.PAN_RIGHT,
    KenBurnsPreset.PUSH_OUT,
    KenBurnsPreset.PAN_LEFT,
)
_PAN_SCALE = 1.12
_PAN_OFFSET = 0.05
_PUSH_SCALE = 1.15
_PRESET_FRAMINGS = {
    KenBurnsPreset.PUSH_IN: (Framing(scale=1.0), Framing(scale=_PUSH_SCALE)),
    KenBurnsPreset.PUSH_OUT: (Framing(scale=_PUSH_SCALE), Framing(scale=1.0)),
    # The camera pans right, so the image moves left.
    KenBurnsPreset.PAN_RIGHT: (
        Framing(scale=_PAN_SCALE, offset_x=_PAN_OFFSET),
        Framing(scale=_PAN_SCALE, offset_x=-_PAN_OFFSET),
    ),
    KenBurnsPreset.PAN_LEFT: (
        Framing(scale=_PAN_SCALE, offset_x=-_PAN_OFFSET),
        Framing(scale=_PAN_SCALE, offset_x=_PAN_OFFSET),
    ),
}


class VisualKind(StrEnum):
    """What fills a segment's picture: a series of stills or one video clip."""

    IMAGES = "images"
    VIDEO = "video"


@dataclass(frozen=True)
class AssetRef:
    """A present audio or video artifact with its measured duration."""

    asset_id: str
    duration_s: float

    def __post_init__(self) -> None:
        if not self.duration_s > 0:
            raise InternalError(f"{self.asset_id} has duration {self.duration_s} s; measure it")


@dataclass(frozen=True)
class ExpectedAssets:
    """The asset ids a segment should have; used only to name what is missing in gaps."""

    narration: str
    images: tuple[str, ...] = ()
    video: str | None = None


@dataclass(frozen=True)
class SegmentMaterial:
    """One segment's artifacts; ``None`` marks one whose job failed or was blocked.

    ``images`` has one entry per expected image, in image order, ``None`` where it is missing.
    """

    index: int
    expected: ExpectedAssets
    visual_kind: VisualKind = VisualKind.IMAGES
    narration_text: str | None = None
    narration: AssetRef | None = None
    images: tuple[str | None, ...] = ()
    video: AssetRef | None = None
    narration_spoken: tuple[tuple[tuple[float, float, int], ...], ...] | None = None
    """Per sentence, the speech engine's (start, end, sounds) of each word it said, when it
    reports them (see ``caption_pages``)."""

    def __post_init__(self) -> None:
        if self.index < 1:
            raise InternalError(f"segment index {self.index} must be 1 or more")
        if self.visual_kind is VisualKind.IMAGES and len(self.images) != len(self.expected.images):
            raise InternalError(
                f"segment {self.index} has {len(self.images)} image entries "
                f"but expects {len(self.expected.images)}"
            )
        if self.visual_kind is VisualKind.VIDEO and self.expected.video is None:
            raise InternalError(f"video segment {self.index} does not name its expected video")


@dataclass(frozen=True)
class AssemblyMaterial:
    """Everything the assembler reads. ``expected_music`` is None when the movie has no music."""

    title: str
    fps: int
    width: int
    height: int
    segments: tuple[SegmentMaterial, ...]
    music: AssetRef | None = None
    expected_music: str | None = None
    segment_length_s: float = 10.0
    caption_style: CaptionStyle = field(default_factory=CaptionStyle)
    transitions: tuple[Transition, ...] = ()
    """Wanted transitions; one whose sides are not both a visual clip becomes a cut."""
    title_card_s: float | None = None
    end_card_s: float | None = None
    sources: tuple[SourceCredit, ...] = ()

    def __post_init__(self) -> None:
        numbers = [segment.index for segment in self.segments]
        if numbers != list(range(1, len(numbers) + 1)):
            raise InternalError(f"segments must be numbered 1..n in order, got {numbers}")
        if self.fps < 1 or self.segment_length_s <= 0:
            raise InternalError("fps and segment_length_s must be positive")


def assemble_timeline(material: AssemblyMaterial, strategy: AssemblyStrategy) -> Timeline:
    """Place every artifact on a timeline following ``strategy``; missing ones become gaps."""
    fps = material.fps
    spans: list[SegmentSpan] = []
    visual: list[ImageClip | VideoClip] = []
    narration: list[AudioClip] = []
    captions: list[Caption] = []
    gaps: list[Gap] = []
    start_frame = 0
    for segment in material.segments:
        frames = _segment_frames(segment, material, strategy)
        span = SegmentSpan(
            index=segment.index,
            start_s=_seconds(start_frame, fps),
            duration_s=_seconds(start_frame + frames, fps) - _seconds(start_frame, fps),
        )
        spans.append(span)
        clips, visual_gaps = _place_visuals(segment, span, start_frame, frames, fps, strategy)
        visual.extend(clips)
        gaps.extend(visual_gaps)
        spoken_s = span.duration_s
        if segment.narration is not None:
            spoken_s = min(segment.narration.duration_s, span.duration_s)
            narration.append(
                AudioClip(
                    asset=segment.narration.asset_id,
                    segment=segment.index,
                    start_s=span.start_s,
                    duration_s=spoken_s,
                    cut_s=max(0.0, round(segment.narration.duration_s - spoken_s, 6)),
                )
            )
        else:
            gaps.append(_gap(span, (segment.expected.narration,), GapReason.NARRATION_MISSING))
        if segment.narration_text and segment.narration_text.strip():
            captions.extend(
                caption_pages(
                    segment.narration_text,
                    segment=segment.index,
                    start_s=span.start_s,
                    duration_s=spoken_s,
                    style=material.caption_style,
                    width=material.width,
                    height=material.height,
                    spoken=segment.narration_spoken,
                )
            )
        start_frame += frames
    duration_s = _seconds(start_frame, fps)
    music: list[MusicClip] = []
    if material.music is not None:
        spoken = [(clip.start_s, clip.start_s + clip.duration_s) for clip in narration]
        music.extend(music_clips(material.music, duration_s, spoken))
    elif material.expected_music is not None:
        gaps.append(
            Gap(
                segment=None,
                start_s=0.0,
                end_s=duration_s,
                missing=(material.expected_music,),
                reason=GapReason.MUSIC_MISSING,
            )
        )
    timeline = Timeline(
        title=material.title,
        fps=fps,
        width=material.width,
        height=material.height,
        duration_s=duration_s,
        segments=tuple(spans),
        tracks=Tracks(
            visual=tuple(visual),
            narration=tuple(narration),
            music=tuple(music),
            captions=tuple(captions),
        ),
        gaps=tuple(gaps),
        caption_style=material.caption_style,
        sources=material.sources,
    )
    return timeline.model_copy(
        update={
            "transitions": _fitting_transitions(timeline, material.transitions),
            "cards": _cards(material, duration_s),
        }
    )


def _fitting_transitions(
    timeline: Timeline, wanted: Sequence[Transition]
) -> tuple[Transition, ...]:
    kept = []
    for transition in wanted:
        if transition.segment > len(timeline.segments):
            continue
        # Validating the one-transition timeline applies the model's rules: both sides a
        # visual clip, the window inside the incoming one.
        try:
            timeline.model_validate({**timeline.model_dump(), "transitions": [transition]})
        except ValidationError:
            continue
        kept.append(transition)
    return tuple(kept)


def _cards(material: AssemblyMaterial, duration_s: float) -> tuple[Card, ...]:
    # Cards cover whole frames, like every visual time.
    fps = material.fps
    total = round(duration_s * fps)
    cards = []
    if material.title_card_s and material.title.strip():
        frames = min(total, round(material.title_card_s * fps))
        cards.append(Card(kind=CardKind.TITLE, start_s=0.0, duration_s=_seconds(frames, fps),
                          title=material.title.strip()))  # fmt: skip
    if material.end_card_s:
        first = max(0, total - round(material.end_card_s * fps))
        cards.append(
            Card(kind=CardKind.END, start_s=_seconds(first, fps),
                 duration_s=_seconds(total, fps) - _seconds(first, fps),
                 title=material.title.strip() or "The end",
                 subtitle="Sources" if material.sources else "",
                 sources=tuple(Source(title=source.title, url=source.url, file=source.file)
                               for source in material.sources))
        )  # fmt: skip
    return tuple(cards)


def music_clips(
    track: AssetRef, duration_s: float, spoken: Sequence[tuple[float, float]]
) -> list[MusicClip]:
    """The music over ``[0, duration_s]``, ducked under ``spoken``: one clip when the track is
    long enough, else the track repeated, each repeat starting MUSIC_CROSSFADE_S before the one
    before ends and crossfading with it (equal gain sums, so the bed keeps its level), the last
    fading out over the movie's last MUSIC_TAIL_S."""
    track_s = track.duration_s
    if track_s >= duration_s - 1e-6 or track_s <= 0:
        length = min(track_s, duration_s)
        return [MusicClip(asset=track.asset_id, start_s=0.0, duration_s=length,
                          envelope=duck_envelope(spoken, length))]  # fmt: skip
    fade = min(MUSIC_CROSSFADE_S, track_s / 4)
    starts = [0.0]
    while starts[-1] + track_s < duration_s - 1e-6:
        starts.append(round(starts[-1] + track_s - fade, 6))
    clips = []
    for number, start in enumerate(starts):
        length = round(min(track_s, duration_s - start), 6)
        fades = []
        if number > 0:
            fades += [(0.0, 0.0), (fade / 2, _HALF_POWER), (fade, 1.0)]
        if number + 1 < len(starts):
            fades += [(track_s - fade, 1.0), (track_s - fade / 2, _HALF_POWER), (track_s, 0.0)]
        else:
            tail_from = max(fades[-1][0] if fades else 0.0, length - min(MUSIC_TAIL_S, length / 2))
            fades += [(tail_from, 1.0), (length, 0.0)]
        shifted = [(a - start, b - start) for a, b in spoken]
        ducked = duck_envelope(shifted, length)
        clips.append(MusicClip(asset=track.asset_id, start_s=start, duration_s=length,
                               envelope=_product(ducked, fades, length)))  # fmt: skip
    return clips


def _product(
    ducked: Sequence[VolumePoint], fades: Sequence[tuple[float, float]], length: float
) -> tuple[VolumePoint, ...]:
    """``ducked`` times the piecewise-linear ``fades`` (1 outside them), sampled at both's
    points: exact at every point, linear in between."""
    ramp = [(0.0, 1.0), *fades] if fades and fades[0][0] > 0 else list(fades)
    duck = [(p.time_s, p.volume) for p in ducked]
    times = sorted({t for t, _ in duck} | {t for t, _ in fades if 0 <= t <= length})
    points: list[VolumePoint] = []
    for time_s in times:
        volume = _interpolate(duck, time_s) * (_interpolate(ramp, time_s) if ramp else 1.0)
        point = VolumePoint(time_s=time_s, volume=round(volume, 6))
        if not points or point != points[-1]:
            points.append(point)
    return tuple(points)


def duck_envelope(
    narration_spans_s: Sequence[tuple[float, float]], duration_s: float
) -> tuple[VolumePoint, ...]:
    """Music volume over ``[0, duration_s]``: DUCKED_VOLUME while anyone speaks, MUSIC_VOLUME
    otherwise, with DUCK_RAMP_S linear ramps ending at each narration's start and starting at its
    end. Narrations closer than two ramps stay ducked in between."""
    merged: list[list[float]] = []
    for start_s, end_s in sorted(narration_spans_s):
        if merged and start_s - DUCK_RAMP_S < merged[-1][1] + DUCK_RAMP_S:
            merged[-1][1] = max(merged[-1][1], end_s)
        else:
            merged.append([start_s, end_s])
    raw: list[tuple[float, float]] = []
    for start_s, end_s in merged:
        raw += [
            (start_s - DUCK_RAMP_S, MUSIC_VOLUME),
            (start_s, DUCKED_VOLUME),
            (end_s, DUCKED_VOLUME),
            (end_s + DUCK_RAMP_S, MUSIC_VOLUME),
        ]
    if not raw:
        return (VolumePoint(time_s=0.0, volume=MUSIC_VOLUME),)
    inside = [(0.0, _interpolate(raw, 0.0))]
    inside += [point for point in raw if 0.0 < point[0] < duration_s]
    inside.append((duration_s, _interpolate(raw, duration_s)))
    points: list[VolumePoint] = []
    for time_s, volume in inside:
        point = VolumePoint(time_s=time_s, volume=volume)
        if not points or point != points[-1]:
            points.append(point)
    return tuple(points)


def _interpolate(points: Sequence[tuple[float, float]], time_s: float) -> float:
    if time_s <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if t0 <= time_s < t1:
            return v0 + (v1 - v0) * (time_s - t0) / (t1 - t0)
    return points[-1][1]


def _seconds(frame: int, fps: int) -> float:
    return round(frame / fps, 6)


def _segment_frames(
    segment: SegmentMaterial, material: AssemblyMaterial, strategy: AssemblyStrategy
) -> int:
    fixed_frames = max(1, round(material.segment_length_s * material.fps))
    if strategy is AssemblyStrategy.FIXED or segment.narration is None:
        return fixed_frames
    # Rounding up to whole frames keeps every clip frame-exact, so clip times relative to
    # their segment never depend on where the segment starts.
    spoken_frames = math.ceil((segment.narration.duration_s + LEAD_OUT_S) * material.fps - 1e-6)
    return max(spoken_frames, round(MIN_SEGMENT_S * material.fps))


def _place_visuals(
    segment: SegmentMaterial,
    span: SegmentSpan,
    start_frame: int,
    frames: int,
    fps: int,
    strategy: AssemblyStrategy,
) -> tuple[list[ImageClip | VideoClip], list[Gap]]:
    if segment.visual_kind is VisualKind.VIDEO:
        if segment.video is None:
            no_video = (segment.expected.video,) if segment.expected.video else ()
            return [], [_gap(span, no_video, GapReason.VISUAL_MISSING)]
        rate = 1.0
        if strategy is AssemblyStrategy.SPEED_ADJUST:
            fitted = segment.video.duration_s / span.duration_s
            rate = min(MAX_PLAYBACK_RATE, max(MIN_PLAYBACK_RATE, fitted))
        clip = VideoClip(
            asset=segment.video.asset_id,
            segment=segment.index,
            start_s=span.start_s,
            duration_s=span.duration_s,
            playback_rate=rate,
        )
        return [clip], []
    present = [(slot, asset) for slot, asset in enumerate(segment.images) if asset is not None]
    missing = tuple(
        expected
        for expected, asset in zip(segment.expected.images, segment.images, strict=True)
        if asset is None
    )
    if not present:
        return [], [_gap(span, segment.expected.images, GapReason.VISUAL_MISSING)]
    gaps = [_gap(span, missing, GapReason.IMAGE_MISSING)] if missing else []
    clips: list[ImageClip | VideoClip] = []
    for order, (slot, asset) in enumerate(present):
        first = start_frame + order * frames // len(present)
        last = start_frame + (order + 1) * frames // len(present)
        if last == first:
            continue
        # Presets follow the image's slot, not its position among survivors, so a failed
        # image never changes the camera moves (and cached clips) of the others.
        preset = _PRESET_ORDER[((segment.index - 1) * len(segment.images) + slot) % 4]
        start_framing, end_framing = _PRESET_FRAMINGS[preset]
        clips.append(
            ImageClip(
                asset=asset,
                segment=segment.index,
                start_s=_seconds(first, fps),
                duration_s=_seconds(last, fps) - _seconds(first, fps),
                ken_burns=KenBurns(preset=preset, start=start_framing, end=end_framing),
            )
        )
    return clips, gaps


def _gap(span: SegmentSpan, missing: tuple[str, ...], reason: GapReason) -> Gap:
    return Gap(
        segment=span.index, start_s=span.start_s, end_s=span.end_s, missing=missing, reason=reason
    )
