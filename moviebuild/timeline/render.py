"""The ffmpeg preview renderer: one cached clip per segment, joined without re-encoding, one mix.

It owns clip keys, the clip cache interface and the order of the render steps; the filter graphs
live in filters.py. It is handed the timeline, asset files and their digests, never the store.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import xxhash

from moviebuild.errors import InternalError, MediaError, MovieBuildError
from moviebuild.media.ffmpeg import run_ffmpeg
from moviebuild.timeline.filters import frame_count, mix_args, segment_clip_args
from moviebuild.timeline.model import GapReason, ImageClip, SegmentSpan, Timeline

RENDERER_VERSION = 1
"""Bump when the clip filter graph or encoding changes, so cached clips are not reused."""

ProgressCallback = Callable[[str, int, int], None]
"""Called with (what just happened, steps done, steps in all)."""


class ClipCache(Protocol):
    """Where rendered segment clips are kept between renders, by key."""

    def get(self, key: str) -> Path | None:
        """The cached clip for ``key``, or None."""
        ...

    def put(self, key: str, path: Path) -> Path:
        """Take ownership of the clip at ``path`` (it may be moved) and return its cached path."""
        ...


class DirectoryClipCache:
    """A ClipCache of ``<key>.mp4`` files in one directory; writes are atomic renames."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str) -> Path | None:
        path = self.directory / f"{key}.mp4"
        return path if path.is_file() else None

    def put(self, key: str, path: Path) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{key}.mp4"
        staging = self.directory / f".{key}.{os.getpid()}.partial"
        shutil.move(path, staging)
        os.replace(staging, target)
        return target


@dataclass(frozen=True)
class SegmentRender:
    """One segment's clip: ``reused`` when the cache had its key; ``elapsed_s`` is wall time."""

    segment: int
    key: str
    reused: bool
    duration_s: float
    elapsed_s: float


@dataclass(frozen=True)
class RenderReport:
    out_path: Path
    width: int
    height: int
    duration_s: float
    segments: tuple[SegmentRender, ...]
    mix_elapsed_s: float
    total_elapsed_s: float

    @property
    def rendered(self) -> tuple[int, ...]:
        return tuple(item.segment for item in self.segments if not item.reused)

    @property
    def reused(self) -> tuple[int, ...]:
        return tuple(item.segment for item in self.segments if item.reused)


def preview_size(timeline: Timeline, short_side_px: int = 720) -> tuple[int, int]:
    """The timeline's frame scaled so its short side is ``short_side_px``, both sides even."""
    factor = short_side_px / min(timeline.width, timeline.height)
    return round(timeline.width * factor / 2) * 2, round(timeline.height * factor / 2) * 2


@functools.cache
def _ffmpeg_identity() -> str:
    # The tool's version is part of the "how" of a clip, so an upgraded ffmpeg re-renders.
    return run_ffmpeg(["-version"], what="the ffmpeg version").decode().splitlines()[0]


def segment_clip_key(
    timeline: Timeline,
    segment: int,
    asset_digests: Mapping[str, str],
    *,
    width: int | None = None,
    height: int | None = None,
) -> str:
    """xxh3-128 of everything that decides a segment clip's pixels, and nothing else: the
    renderer, ffmpeg, the output size and fps, the visual clips in frames from the segment's
    start, the content digests of their assets, and for a slate what it shows."""
    span = timeline.segment(segment)
    fps = timeline.fps
    clips = []
    for clip in timeline.visual_clips(segment):
        described = clip.model_dump(mode="json", exclude={"segment", "start_s", "duration_s"})
        described["start_frame"] = frame_count(clip.start_s - span.start_s, fps)
        described["frames"] = frame_count(clip.duration_s, fps)
        clips.append(described)
    missing = _missing_visuals(timeline, segment)
    try:
        digests = {clip["asset"]: asset_digests[clip["asset"]] for clip in clips}
    except KeyError as exc:
        raise InternalError(
            f"no content digest for asset {exc.args[0]} of segment {segment}"
        ) from exc
    payload = {
        "renderer": RENDERER_VERSION,
        "ffmpeg": _ffmpeg_identity(),
        "width": width or timeline.width,
        "height": height or timeline.height,
        "fps": fps,
        "frames": frame_count(span.duration_s, fps),
        "clips": clips,
        "digests": digests,
        "slate": None if clips else {"segment": segment, "missing": missing},
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    digest: str = xxhash.xxh3_128_hexdigest(canonical.encode())
    return digest


def render_preview(
    timeline: Timeline,
    assets: Mapping[str, Path],
    *,
    out_path: Path,
    width: int,
    height: int,
    cache: ClipCache,
    asset_digests: Mapping[str, str],
    on_progress: ProgressCallback | None = None,
    max_parallel: int | None = None,
) -> RenderReport:
    """Render ``timeline`` to ``out_path`` (H.264 + AAC) at width x height.

    Geometry is in fractions of the frame, so any size renders the same layout. Segment clips
    come from ``cache`` when their key is there; the others render ``max_parallel`` at a time
    (default: the CPU count, at most 4). The output is replaced atomically.
    """
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise MediaError(f"preview size {width}x{height} must be positive and even")
    _check_assets(timeline, assets)
    began = time.perf_counter()
    steps = len(timeline.segments) + 1
    report = on_progress or (lambda what, done, total: None)
    keys = {
        span.index: segment_clip_key(
            timeline, span.index, asset_digests, width=width, height=height
        )
        for span in timeline.segments
    }
    clip_paths: dict[int, Path] = {}
    done: dict[int, SegmentRender] = {}
    for span in timeline.segments:
        cached = cache.get(keys[span.index])
        if cached is not None:
            clip_paths[span.index] = cached
            done[span.index] = SegmentRender(
                span.index, keys[span.index], True, span.duration_s, 0.0
            )
            report(f"reused segment {span.index}", len(done), steps)
    with tempfile.TemporaryDirectory(prefix="moviebuild-render-") as scratch:
        work = Path(scratch)

        def render_one(span: SegmentSpan) -> tuple[SegmentSpan, Path, float]:
            started = time.perf_counter()
            clip_path = work / f"segment-{span.index}.mp4"
            _render_segment(timeline, span.index, assets, (width, height), work, clip_path)
            return span, clip_path, time.perf_counter() - started

        stale = [span for span in timeline.segments if span.index not in clip_paths]
        failures: list[BaseException] = []
        workers = max_parallel or min(4, os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in as_completed([pool.submit(render_one, span) for span in stale]):
                try:
                    span, clip_path, elapsed_s = future.result()
                except MovieBuildError as exc:
                    # Keep collecting: clips that did render are cached for the next attempt.
                    failures.append(exc)
                    continue
                clip_paths[span.index] = cache.put(keys[span.index], clip_path)
                done[span.index] = SegmentRender(
                    span.index, keys[span.index], False, span.duration_s, elapsed_s
                )
                report(f"rendered segment {span.index}", len(done), steps)
        if failures:
            raise failures[0]
        mix_started = time.perf_counter()
        concat_list = work / "clips.txt"
        ordered = [clip_paths[span.index] for span in timeline.segments]
        concat_list.write_text("".join(f"file {_concat_quote(path)}\n" for path in ordered))
        out_path.parent.mkdir(parents=True, exist_ok=True)
        partial = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix}")
        run_ffmpeg(mix_args(timeline, concat_list, assets, partial), what=str(out_path))
        os.replace(partial, out_path)
        report("joined clips and mixed audio", steps, steps)
    finished = time.perf_counter()
    return RenderReport(
        out_path=out_path,
        width=width,
        height=height,
        duration_s=timeline.duration_s,
        segments=tuple(done[span.index] for span in timeline.segments),
        mix_elapsed_s=finished - mix_started,
        total_elapsed_s=finished - began,
    )


def _render_segment(
    timeline: Timeline,
    segment: int,
    assets: Mapping[str, Path],
    size: tuple[int, int],
    work: Path,
    clip_path: Path,
) -> None:
    width, height = size
    clips = timeline.visual_clips(segment)
    slate = None
    if not clips:
        slate = work / f"slate-{segment}.png"
        _draw_slate(slate, width, height, segment, _missing_visuals(timeline, segment))
    image_sizes = {
        clip.asset: _image_size(assets[clip.asset]) for clip in clips if isinstance(clip, ImageClip)
    }
    args = segment_clip_args(
        timeline.segment(segment),
        clips,
        fps=timeline.fps,
        width=width,
        height=height,
        media=assets,
        image_sizes=image_sizes,
        slate=slate,
        out_path=clip_path,
    )
    run_ffmpeg(args, what=f"the preview clip of segment {segment}")


def _missing_visuals(timeline: Timeline, segment: int) -> list[str]:
    return sorted(
        asset
        for gap in timeline.gaps_of(segment)
        if gap.reason is GapReason.VISUAL_MISSING
        for asset in gap.missing
    )


def _check_assets(timeline: Timeline, assets: Mapping[str, Path]) -> None:
    tracks = timeline.tracks
    used = {clip.asset for clip in (*tracks.visual, *tracks.narration, *tracks.music)}
    absent = sorted(asset for asset in used if asset not in assets or not assets[asset].is_file())
    if absent:
        raise MediaError(
            f"the timeline uses {len(absent)} asset(s) with no file: {', '.join(absent[:5])}",
            hint="run moviebuild to rebuild them, or check the asset map",
        )


def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError) as exc:
        raise MediaError(f"cannot read the image {path}: {exc}") from exc


def _draw_slate(path: Path, width: int, height: int, segment: int, missing: list[str]) -> None:
    """A dark picture saying which segment has no visual and what is missing."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (width, height), (20, 20, 24))
    draw = ImageDraw.Draw(image)
    title = ImageFont.load_default(size=max(12, height // 10))
    detail = ImageFont.load_default(size=max(8, height // 28))
    centre = (width / 2, height / 2)
    draw.text(centre, f"Segment {segment}", fill=(200, 200, 200), font=title, anchor="md")
    note = "missing: " + (", ".join(missing) if missing else "visual")
    draw.text(
        (centre[0], centre[1] + height / 20), note, fill=(140, 140, 140), font=detail, anchor="ma"
    )
    image.save(path)


def _concat_quote(path: Path) -> str:
    # The concat demuxer's quoting: single quotes, with a quote written as '\''.
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"
