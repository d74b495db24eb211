"""What the preview renderer encodes, and the cache keys that say when it must encode it again.

A segment is cut into parts, each one H.264 file of whole frames: one per visual clip, black
where no clip covers the segment, or a slate for the whole segment when it has no visual. A
part's key is xxh3-128 over everything that decides its pixels and nothing else (in particular
not where its segment starts), so editing one image re-encodes one part. The audio mix and the
joined output have keys of their own.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import xxhash

from moviebuild.errors import InternalError
from moviebuild.media.ffmpeg import run_ffmpeg
from moviebuild.timeline.model import (
    Caption,
    CaptionStyle,
    Card,
    GapReason,
    ImageClip,
    Timeline,
    Transition,
    VideoClip,
)

RENDERER_VERSION = 4
"""Bump when how a part, the audio mix or the join is made changes, so caches are not reused.

1: one clip per segment, Ken Burns by ``perspective``, libx264 veryfast.
2: one part per visual clip, Ken Burns by per-plane ``zoompan`` over a 2x still, libx264
   ultrafast with two threads; the audio mix and the joined output are cached by key.
3: captions drawn over each part (one overlay per caption state, Pillow pictures).
4: transitions (a part of its own at the start of a segment) and title and end cards.
"""

PartKind = Literal["image", "video", "black", "slate"]


def frame_count(duration_s: float, fps: int) -> int:
    """Frames a duration occupies; the assembler makes every visual time a whole frame."""
    return round(duration_s * fps)


@dataclass(frozen=True)
class CaptionShow:
    """One caption state over a part: ``caption`` with word ``highlight`` lit (None: no word
    yet), from the part's frame ``first`` up to, not including, frame ``last``."""

    caption: Caption
    highlight: int | None
    first: int
    last: int

    def drawn(self) -> dict[str, Any]:
        """What decides the state's pixels: its words and lines, never its times."""
        return {
            "words": [[word.text, word.line] for word in self.caption.words],
            "text": self.caption.text if not self.caption.words else None,
            "spaced": self.caption.spaced,
            "highlight": self.highlight,
            "first": self.first,
            "last": self.last,
        }


@dataclass(frozen=True)
class CardShow:
    """A card over a part from the part's frame ``first`` up to, not including, ``last``."""

    card: Card
    first: int
    last: int

    def drawn(self) -> dict[str, Any]:
        return self.card.model_dump(mode="json", exclude={"start_s", "duration_s"}) | {
            "first": self.first, "last": self.last
        }  # fmt: skip


@dataclass(frozen=True)
class Part:
    """``frames`` frames of one segment: ``clip`` from its ``skip``-th frame, black, or a slate
    naming the ``missing`` assets; ``cards``, then ``captions`` are drawn over it.

    A part that starts with ``transition`` shows ``outgoing``'s last frame giving way to
    ``clip`` over its ``frames`` frames (the transition's whole window)."""

    segment: int
    kind: PartKind
    frames: int
    clip: ImageClip | VideoClip | None = None
    skip: int = 0
    missing: tuple[str, ...] = field(default=())
    captions: tuple[CaptionShow, ...] = field(default=())
    cards: tuple[CardShow, ...] = field(default=())
    transition: Transition | None = None
    outgoing: ImageClip | VideoClip | None = None

    @property
    def asset(self) -> str | None:
        return None if self.clip is None else self.clip.asset


def segment_parts(timeline: Timeline, segment: int) -> list[Part]:
    """The parts of ``segment`` in play order; their frames add up to the segment's."""
    span = timeline.segment(segment)
    fps = timeline.fps
    total = frame_count(span.duration_s, fps)
    start = frame_count(span.start_s, fps)
    return [
        dataclasses.replace(
            part,
            captions=caption_shows(timeline, start + offset, part.frames),
            cards=card_shows(timeline, start + offset, part.frames),
        )
        for part, offset in _with_offsets(_picture_parts(timeline, segment, total))
    ]


def card_shows(timeline: Timeline, first_frame: int, frames: int) -> tuple[CardShow, ...]:
    """The cards over the movie's frames ``first_frame`` to ``first_frame + frames``, in frames
    of that stretch."""
    fps = timeline.fps
    shows = []
    for card in timeline.cards:
        begin = frame_count(card.start_s, fps)
        end = begin + frame_count(card.duration_s, fps)
        low, high = max(begin, first_frame), min(end, first_frame + frames)
        if high > low:
            shows.append(CardShow(card, low - first_frame, high - first_frame))
    return tuple(shows)


def _with_offsets(parts: list[Part]) -> list[tuple[Part, int]]:
    offsets = itertools.accumulate((part.frames for part in parts), initial=0)
    return list(zip(parts, offsets, strict=False))


def caption_shows(timeline: Timeline, first_frame: int, frames: int) -> tuple[CaptionShow, ...]:
    """The caption states over the movie's frames ``first_frame`` to ``first_frame + frames``,
    in frames of that stretch. A word is lit from the frame its start falls on."""
    if not timeline.caption_style.enabled:
        return ()
    fps = timeline.fps
    end_frame = first_frame + frames
    shows = []
    for caption in timeline.tracks.captions:
        begin, end = frame_count(caption.start_s, fps), frame_count(caption.end_s, fps)
        if end <= first_frame or begin >= end_frame:
            continue
        starts = [begin, *(frame_count(word.start_s, fps) for word in caption.words[1:])]
        highlights: list[int | None] = list(range(len(starts))) if caption.words else [None]
        for highlight, (low, high) in zip(
            highlights, itertools.pairwise([*starts, end]), strict=True
        ):
            low, high = max(low, first_frame), min(high, end_frame)
            if high > low:
                shows.append(CaptionShow(caption, highlight, low - first_frame, high - first_frame))
    return tuple(shows)


def _picture_parts(timeline: Timeline, segment: int, total: int) -> list[Part]:
    span = timeline.segment(segment)
    fps = timeline.fps
    clips = timeline.visual_clips(segment)
    if not clips:
        return [Part(segment, "slate", total, missing=tuple(missing_visuals(timeline, segment)))]
    parts: list[Part] = []
    cursor = 0
    for clip in sorted(clips, key=lambda clip: clip.start_s):
        start = frame_count(clip.start_s - span.start_s, fps)
        first = max(cursor, start)
        last = min(total, frame_count(clip.start_s - span.start_s + clip.duration_s, fps))
        if last <= first:
            continue
        if first > cursor:
            parts.append(Part(segment, "black", first - cursor))
        kind: PartKind = "image" if isinstance(clip, ImageClip) else "video"
        transition = timeline.transition_into(segment) if first == 0 else None
        if transition is not None:
            window = min(last - first, frame_count(transition.duration_s, fps))
            outgoing = timeline.clip_at(span.start_s - 1e-4, segment - 1)
            parts.append(Part(segment, kind, window, clip=clip, skip=0,
                              transition=transition, outgoing=outgoing))  # fmt: skip
            first += window
        if last > first:
            parts.append(Part(segment, kind, last - first, clip=clip, skip=first - start))
        cursor = last
    if cursor < total:
        parts.append(Part(segment, "black", total - cursor))
    return parts


def missing_visuals(timeline: Timeline, segment: int) -> list[str]:
    return sorted(
        asset
        for gap in timeline.gaps_of(segment)
        if gap.reason is GapReason.VISUAL_MISSING
        for asset in gap.missing
    )


@functools.cache
def ffmpeg_identity() -> str:
    # The tool's version is part of the "how" of a part, so an upgraded ffmpeg re-renders.
    return run_ffmpeg(["-version"], what="the ffmpeg version").decode().splitlines()[0]


def part_key(
    part: Part,
    asset_digests: Mapping[str, str],
    *,
    width: int,
    height: int,
    fps: int,
    style: CaptionStyle | None = None,
) -> str:
    """The key of one part: renderer, ffmpeg, size, fps, frames, and what the part shows."""
    shows: dict[str, Any] = {"kind": part.kind, "frames": part.frames}
    if part.clip is not None:
        shows["clip"] = part.clip.model_dump(
            mode="json", exclude={"asset", "segment", "start_s", "duration_s"}
        )
        shows["clip_frames"] = frame_count(part.clip.duration_s, fps)
        shows["skip"] = part.skip
        shows["digest"] = _digest(asset_digests, part.clip.asset, part.segment)
    if part.kind == "slate":
        shows["slate"] = {"segment": part.segment, "missing": list(part.missing)}
    if part.captions:
        shows["captions"] = [show.drawn() for show in part.captions]
        shows["caption_style"] = style.model_dump(mode="json") if style else None
    if part.cards:
        shows["cards"] = [show.drawn() for show in part.cards]
    if part.transition is not None and part.outgoing is not None:
        # The outgoing side is its last frame: its clip, length and content decide it.
        shows["transition"] = part.transition.model_dump(mode="json", exclude={"segment"})
        shows["outgoing"] = part.outgoing.model_dump(
            mode="json", exclude={"asset", "segment", "start_s", "duration_s"}
        ) | {
            "clip_frames": frame_count(part.outgoing.duration_s, fps),
            "digest": _digest(asset_digests, part.outgoing.asset, part.segment - 1),
        }
    return _hash(
        {
            "renderer": RENDERER_VERSION,
            "ffmpeg": ffmpeg_identity(),
            "width": width,
            "height": height,
            "fps": fps,
            "part": shows,
        }
    )


def segment_clip_key(
    timeline: Timeline,
    segment: int,
    asset_digests: Mapping[str, str],
    *,
    width: int | None = None,
    height: int | None = None,
) -> str:
    """The key of a segment's whole picture: the keys of its parts in order. Like theirs, it
    follows content and frames relative to the segment's start, never the start itself."""
    size = {"width": width or timeline.width, "height": height or timeline.height}
    return keys_key(
        [
            part_key(
                part, asset_digests, fps=timeline.fps, style=timeline.caption_style, **size
            )
            for part in segment_parts(timeline, segment)
        ]
    )


def keys_key(part_keys: Sequence[str]) -> str:
    """The key of a sequence of parts (``segment_clip_key`` from its parts' keys)."""
    return _hash({"segment_parts": list(part_keys)})


def audio_key(timeline: Timeline, asset_digests: Mapping[str, str]) -> str:
    """The key of the audio mix: the narration and music clips, their content, the length."""
    tracks = timeline.tracks
    narration = [
        clip.model_dump(mode="json") | {"digest": _digest(asset_digests, clip.asset, clip.segment)}
        for clip in tracks.narration
    ]
    music = [
        clip.model_dump(mode="json") | {"digest": _digest(asset_digests, clip.asset, None)}
        for clip in tracks.music
    ]
    return _hash(
        {
            "renderer": RENDERER_VERSION,
            "ffmpeg": ffmpeg_identity(),
            "duration_s": timeline.duration_s,
            "narration": narration,
            "music": music,
        }
    )


def output_key(part_keys: Sequence[str], audio: str, duration_s: float) -> str:
    """The key of the joined output: its parts in order and its audio."""
    return _hash(
        {"renderer": RENDERER_VERSION, "parts": list(part_keys), "audio": audio,
         "duration_s": duration_s}
    )  # fmt: skip


def _digest(asset_digests: Mapping[str, str], asset: str, segment: int | None) -> str:
    try:
        return asset_digests[asset]
    except KeyError:
        where = "the movie" if segment is None else f"segment {segment}"
        raise InternalError(f"no content digest for asset {asset} of {where}") from None


def _hash(payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    digest: str = xxhash.xxh3_128_hexdigest(canonical.encode())
    return digest
