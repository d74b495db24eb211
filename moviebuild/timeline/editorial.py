"""The timeline as an OpenTimelineIO timeline, for editors (DaVinci Resolve, Premiere, Final Cut,
Kdenlive): tracks for the pictures, the narration and the music, captions as markers, media by
the relative paths it is handed, every clip on whole frames at the timeline's frame rate.

Frames follow docs/timeline.md as both renderers count them: a clip starts on frame
``round(start_s * fps)`` and lasts ``max(1, round(duration_s * fps))`` frames; gaps fill the rest,
so every track is exactly as long as the movie. What OTIO has no schema for travels in
``metadata["moviebuild"]``: the Ken Burns framings (an ``Effect`` named "Ken Burns" with the
start and end framings and the keyframes at the clip's first frame and one past its last), the
music's ducking envelope and each caption's words. A video's playback rate is a
``LinearTimeWarp``; a video whose source ends early is a playing clip and a held frame
(``FreezeFrame``) when the source's length is known.

This module builds the OTIO objects and the captions' SubRip text; it does not write files or
choose formats (project/editor_export.py does) and it imports opentimelineio only when called.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from moviebuild.errors import ConfigError, StoreError
from moviebuild.timeline.model import Caption, Gap, ImageClip, MusicClip, Timeline, VideoClip

if TYPE_CHECKING:
    import opentimelineio as otio

PICTURES = "Pictures"
NARRATION = "Narration"
MUSIC = "Music"
KEN_BURNS_EFFECT = "Ken Burns"

#: Where captions go: markers on the whole timeline (OTIO's own place for them), or on the
#: picture clip each caption starts in (FCPXML and EDL keep only clip markers).
CaptionPlace = Literal["timeline", "clips"]


def import_otio() -> Any:
    """opentimelineio, or a ConfigError that says how to install it."""
    try:
        import opentimelineio
    except ImportError as exc:
        raise ConfigError(
            "editor export needs OpenTimelineIO, which is not installed",
            hint="pip install 'moviebuild[export]'",
        ) from exc
    return opentimelineio


def first_frame(start_s: float, fps: int) -> int:
    return round(start_s * fps)


def frame_count(duration_s: float, fps: int) -> int:
    return max(1, round(duration_s * fps))


def movie_frames(timeline: Timeline) -> int:
    return frame_count(timeline.duration_s, timeline.fps)


def last_playing_frame(source_s: float, rate: float, fps: int) -> int:
    """The last clip frame at which a source of ``source_s`` seconds still has a picture
    (remotion/src/geometry.ts ``lastPlayingFrame``)."""
    return max(0, math.ceil(source_s * fps / rate - 1e-6) - 1)


_REEL_KINDS = {"SegmentImage": "I", "SegmentVideo": "V", "SegmentAudio": "N"}


def reel_name(asset: str) -> str:
    """An EDL reel name (at most 8 characters, one per file): S03I2 for SegmentImage[3][2], S02V
    for a segment's video, S01N for its narration, MUSIC for the music."""
    name, _, rest = asset.partition("[")
    numbers = [int(part) for part in rest.replace("]", "").split("[") if part.isdigit()]
    kind = _REEL_KINDS.get(name)
    if kind is None or not numbers:
        return "MUSIC" if name == "MusicTrack" else name[:8].upper()
    tail = "".join(str(number) for number in numbers[1:])
    return f"S{numbers[0]:02d}{kind}{tail}"[:8]


def _tag(item: Any, asset: str, **more: Any) -> None:
    """What an item came from: moviebuild's own metadata and the EDL's reel name."""
    item.metadata["moviebuild"] = {"asset": asset, **more}
    item.metadata["cmx_3600"] = {"reel": reel_name(asset)}


def build_edit(
    timeline: Timeline,
    media: Mapping[str, str],
    *,
    source_durations_s: Mapping[str, float] | None = None,
    captions: CaptionPlace = "timeline",
) -> otio.schema.Timeline:
    """The OTIO timeline of ``timeline``; ``media`` maps each asset id to the path (relative to
    the file that will be written) the clip refers to. ``source_durations_s`` (asset id ->
    seconds, optional) gives the media's real lengths."""
    otio_ = import_otio()
    fps = timeline.fps
    lengths = dict(source_durations_s or {})
    edit = otio_.schema.Timeline(name=timeline.title, global_start_time=_time(otio_, 0, fps))
    edit.metadata["moviebuild"] = {
        "width": timeline.width,
        "height": timeline.height,
        "fps": fps,
        "segments": [span.model_dump(mode="json") for span in timeline.segments],
    }
    total = movie_frames(timeline)
    pictures = otio_.schema.Track(name=PICTURES, kind=otio_.schema.TrackKind.Video)
    narration = otio_.schema.Track(name=NARRATION, kind=otio_.schema.TrackKind.Audio)
    music = otio_.schema.Track(name=MUSIC, kind=otio_.schema.TrackKind.Audio)

    placed: list[tuple[int, Any]] = []
    for clip in sorted(timeline.tracks.visual, key=lambda clip: clip.start_s):
        for item in _visual_items(otio_, clip, media, lengths, fps):
            placed.append((first_frame(clip.start_s, fps), item))
    _lay_out(otio_, pictures, _pack(placed), total, fps, timeline.gaps)
    _add_transitions(otio_, pictures, timeline)

    spoken = [
        (first_frame(clip.start_s, fps), _audio_clip(
            otio_, clip.asset, f"Narration {clip.segment}", media,
            frame_count(clip.duration_s, fps), lengths, fps,
        ))
        for clip in timeline.tracks.narration
    ]
    _lay_out(otio_, narration, spoken, total, fps, ())
    _lay_out(otio_, music, [
        (first_frame(clip.start_s, fps), _music_clip(otio_, clip, media, lengths, fps))
        for clip in butt_joined(timeline.tracks.music)
    ], total, fps, ())

    edit.tracks.append(pictures)
    edit.tracks.append(narration)
    edit.tracks.append(music)
    if timeline.caption_style.enabled:
        _add_captions(otio_, edit, pictures, timeline, captions)
    return edit


def _add_transitions(otio_: Any, pictures: Any, timeline: Timeline) -> None:
    """Each transition before the clip it enters, wholly after the cut (``in_offset`` 0): the
    outgoing picture is held, as the renderers hold it. A dissolve is OTIO's SMPTE_Dissolve,
    which every format keeps; a fade or slide is a Custom transition named after its kind, with
    the colour in ``metadata["moviebuild"]`` (only OTIO keeps those)."""
    fps = timeline.fps
    for transition in sorted(timeline.transitions, key=lambda item: -item.segment):
        cut = first_frame(timeline.segment(transition.segment).start_s, fps)
        cursor = 0
        for index, item in enumerate(list(pictures)):
            if cursor == cut and isinstance(item, otio_.schema.Clip) and index > 0:
                kind = transition.kind.value
                made = otio_.schema.Transition(
                    name=kind.capitalize(),
                    transition_type=(
                        otio_.schema.TransitionTypes.SMPTE_Dissolve
                        if kind == "dissolve"
                        else otio_.schema.TransitionTypes.Custom
                    ),
                    in_offset=_time(otio_, 0, fps),
                    out_offset=_time(otio_, frame_count(transition.duration_s, fps), fps),
                )
                made.metadata["moviebuild"] = transition.model_dump(mode="json")
                pictures.insert(index, made)
                break
            if not isinstance(item, otio_.schema.Transition):
                cursor += item.source_range.duration.to_frames()


def _time(otio_: Any, frames: int, fps: int) -> Any:
    return otio_.opentime.RationalTime(frames, fps)


def _range(otio_: Any, start: int, frames: int, fps: int) -> Any:
    return otio_.opentime.TimeRange(_time(otio_, start, fps), _time(otio_, frames, fps))


def _reference(otio_: Any, path: str, available_frames: int, fps: int) -> Any:
    return otio_.schema.ExternalReference(
        target_url=path, available_range=_range(otio_, 0, available_frames, fps)
    )


def _media_path(media: Mapping[str, str], asset: str) -> str:
    path = media.get(asset)
    if path is None:
        raise StoreError(
            f"the timeline names {asset}, which the revision has no file for",
            hint="run `moviebuild` to rebuild it, then export again",
        )
    return path


def _source_frames(lengths: Mapping[str, float], asset: str, fps: int, at_least: int) -> int:
    """The media's length in frames when known, never less than what the clip uses."""
    known = lengths.get(asset)
    return at_least if known is None else max(at_least, math.floor(known * fps + 1e-6))


def _visual_items(
    otio_: Any,
    clip: ImageClip | VideoClip,
    media: Mapping[str, str],
    lengths: Mapping[str, float],
    fps: int,
) -> list[Any]:
    frames = frame_count(clip.duration_s, fps)
    path = _media_path(media, clip.asset)
    name = f"{clip.asset} (segment {clip.segment})"
    if isinstance(clip, ImageClip):
        item = otio_.schema.Clip(
            name=name, media_reference=_reference(otio_, path, frames, fps),
            source_range=_range(otio_, 0, frames, fps),
        )
        item.effects.append(_ken_burns(otio_, clip, frames))
        _tag(item, clip.asset, segment=clip.segment)
        return [item]
    rate = clip.playback_rate
    known = lengths.get(clip.asset)
    playing = frames
    if known is not None:
        playing = min(frames, last_playing_frame(known, rate, fps) + 1)
    # Source frames the playing part reads, at the source's own pace.
    needed = math.ceil(playing * rate - 1e-6)
    item = otio_.schema.Clip(
        name=name,
        media_reference=_reference(
            otio_, path, _source_frames(lengths, clip.asset, fps, needed), fps
        ),
        source_range=_range(otio_, 0, playing, fps),
    )
    _tag(item, clip.asset, segment=clip.segment)
    if rate != 1.0:
        item.effects.append(otio_.schema.LinearTimeWarp(name="Speed", time_scalar=rate))
    items = [item]
    if playing < frames:
        # The source has ended: its last frame holds to the clip's end.
        last = max(0, math.floor((playing - 1) * rate + 1e-6))
        held = otio_.schema.Clip(
            name=f"{clip.asset} (held)",
            media_reference=_reference(
                otio_, path, _source_frames(lengths, clip.asset, fps, last + 1), fps
            ),
            source_range=_range(otio_, last, frames - playing, fps),
        )
        held.effects.append(otio_.schema.FreezeFrame())
        _tag(held, clip.asset, segment=clip.segment)
        items.append(held)
    return items


def _ken_burns(otio_: Any, clip: ImageClip, frames: int) -> Any:
    move = clip.ken_burns
    return otio_.schema.Effect(
        name=KEN_BURNS_EFFECT,
        effect_name=KEN_BURNS_EFFECT,
        metadata={"moviebuild": {
            "preset": move.preset.value,
            # The start framing on the clip's first frame, the end framing one frame past its
            # last (docs/timeline.md: p = t / D), linear between, scale about the centre, cover.
            "keyframes": [
                {"frame": 0, **move.start.model_dump(mode="json")},
                {"frame": frames, **move.end.model_dump(mode="json")},
            ],
        }},
    )


def _audio_clip(
    otio_: Any,
    asset: str,
    name: str,
    media: Mapping[str, str],
    frames: int,
    lengths: Mapping[str, float],
    fps: int,
) -> Any:
    path = _media_path(media, asset)
    item = otio_.schema.Clip(
        name=name,
        media_reference=_reference(otio_, path, _source_frames(lengths, asset, fps, frames), fps),
        source_range=_range(otio_, 0, frames, fps),
    )
    _tag(item, asset)
    return item


def _music_clip(
    otio_: Any, clip: MusicClip, media: Mapping[str, str], lengths: Mapping[str, float], fps: int
) -> Any:
    item = _audio_clip(
        otio_, clip.asset, "Music", media, frame_count(clip.duration_s, fps), lengths, fps
    )
    item.metadata["moviebuild"]["envelope"] = [
        point.model_dump(mode="json") for point in clip.envelope
    ]
    return item


def _pack(placed: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """Items back to back where one clip continues another (a video and its held frame)."""
    packed: list[tuple[int, Any]] = []
    cursor = -1
    for start, item in placed:
        begin = start if start >= cursor else cursor
        packed.append((begin, item))
        cursor = begin + item.source_range.duration.to_frames()
    return packed


def butt_joined(clips: tuple[MusicClip, ...]) -> list[MusicClip]:
    """Music clips on one track: a repeat that crossfades with the copy before it (the assembler
    overlaps them) starts where it starts, from its beginning, and the copy before ends there."""
    ordered = sorted(clips, key=lambda clip: clip.start_s)
    joined = []
    # A movie without music has no clips (``[*ordered[1:], None]`` would still hold one None).
    for clip, after in zip(ordered, [*ordered[1:], None][: len(ordered)], strict=True):
        if after is not None and after.start_s < clip.start_s + clip.duration_s:
            clip = clip.model_copy(update={"duration_s": round(after.start_s - clip.start_s, 6)})
        joined.append(clip)
    return joined


def _lay_out(
    otio_: Any,
    track: Any,
    placed: list[tuple[int, Any]],
    total: int,
    fps: int,
    gaps: tuple[Gap, ...],
) -> None:
    """Append ``placed`` (first frame, item) to ``track`` with gaps between, up to ``total``."""
    cursor = 0
    for start, item in sorted(placed, key=lambda pair: pair[0]):
        if start > cursor:
            track.append(_gap(otio_, cursor, start - cursor, fps, gaps))
        elif start < cursor:
            # Rounding put two clips on one frame: the later one gives up its first frames.
            cut = cursor - start
            length = item.source_range.duration.to_frames()
            if cut >= length:
                continue
            item.source_range = _range(
                otio_, item.source_range.start_time.to_frames() + cut, length - cut, fps
            )
        track.append(item)
        cursor = max(cursor, start) + item.source_range.duration.to_frames()
    if cursor < total:
        track.append(_gap(otio_, cursor, total - cursor, fps, gaps))


def _gap(otio_: Any, start: int, frames: int, fps: int, gaps: tuple[Gap, ...]) -> Any:
    gap = otio_.schema.Gap(source_range=_range(otio_, 0, frames, fps))
    for missing in gaps:
        if missing.segment is not None and first_frame(missing.start_s, fps) == start:
            gap.name = f"Segment {missing.segment} (missing)"
            gap.metadata["moviebuild"] = {
                "reason": missing.reason.value, "missing": list(missing.missing)
            }
    return gap


def _caption_range(caption: Caption, fps: int) -> tuple[int, int]:
    start = first_frame(caption.start_s, fps)
    return start, max(1, first_frame(caption.end_s, fps) - start)


def _caption_marker(otio_: Any, caption: Caption, start: int, frames: int, fps: int) -> Any:
    marker = otio_.schema.Marker(
        name=" / ".join(caption.lines()),
        marked_range=_range(otio_, start, frames, fps),
        color=otio_.schema.MarkerColor.YELLOW,
    )
    marker.metadata["moviebuild"] = {
        "caption": True,
        "segment": caption.segment,
        "words": [word.model_dump(mode="json") for word in caption.words],
    }
    return marker


def _add_captions(
    otio_: Any, edit: Any, pictures: Any, timeline: Timeline, place: CaptionPlace
) -> None:
    fps = timeline.fps
    for caption in timeline.tracks.captions:
        start, frames = _caption_range(caption, fps)
        if place == "timeline":
            edit.tracks.markers.append(_caption_marker(otio_, caption, start, frames, fps))
            continue
        # On the picture item the caption starts in, in that item's own time.
        for item in pictures:
            span = item.range_in_parent()
            begin = span.start_time.to_frames()
            end = begin + span.duration.to_frames()
            if begin <= start < end and isinstance(item, otio_.schema.Clip):
                local = item.source_range.start_time.to_frames() + start - begin
                item.markers.append(
                    _caption_marker(otio_, caption, local, min(frames, end - start), fps)
                )
                break


def srt_text(timeline: Timeline) -> str:
    """The captions as SubRip (``.srt``), which every editor imports as a subtitle track; times
    on the captions' whole frames."""
    fps = timeline.fps
    blocks = []
    for number, caption in enumerate(timeline.tracks.captions, start=1):
        start, frames = _caption_range(caption, fps)
        blocks.append(
            f"{number}\n{_srt_time(start, fps)} --> {_srt_time(start + frames, fps)}\n"
            + "\n".join(caption.lines())
            + "\n"
        )
    return "\n".join(blocks)


def _srt_time(frame: int, fps: int) -> str:
    ms = round(frame * 1000 / fps)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{millis:03d}"
