"""The ffmpeg preview renderer: cached parts and audio mix, joined without re-encoding.

It owns the cache interface and the order of the render steps: parts.py cuts segments into parts
and keys them, jobs.py makes what the cache lacks, filters.py holds the ffmpeg arguments. It is
handed the timeline, asset files and their digests, never the store.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from moviebuild.errors import MediaError
from moviebuild.media.ffmpeg import find_ffmpeg, run_ffmpeg
from moviebuild.timeline.filters import join_args
from moviebuild.timeline.jobs import make_missing
from moviebuild.timeline.model import Timeline
from moviebuild.timeline.parts import (
    Part,
    audio_key,
    keys_key,
    output_key,
    part_key,
    segment_parts,
)

ProgressCallback = Callable[[str, int, int], None]
"""Called with (what just happened, steps done, steps in all)."""

_COMMENT = "moviebuild-preview"


class ClipCache(Protocol):
    """Where rendered parts and audio mixes are kept between renders, by key."""

    def get(self, key: str) -> Path | None:
        """The cached file for ``key``, or None."""
        ...

    def put(self, key: str, path: Path) -> Path:
        """Take ownership of the file at ``path`` (it may be moved) and return its cached path."""
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
    """One segment's picture: ``reused`` when the cache had all its parts; ``key`` is
    ``segment_clip_key``; ``elapsed_s`` adds up the wall time of the parts encoded for it."""

    segment: int
    key: str
    reused: bool
    duration_s: float
    elapsed_s: float


@dataclass(frozen=True)
class RenderReport:
    """What a render did. ``mix_elapsed_s`` is the audio mix's wall time (0 when reused) and
    ``join_elapsed_s`` the join's; ``up_to_date`` when the output already had this content."""

    out_path: Path
    width: int
    height: int
    duration_s: float
    segments: tuple[SegmentRender, ...]
    parts_rendered: int
    parts_reused: int
    audio_reused: bool
    up_to_date: bool
    mix_elapsed_s: float
    join_elapsed_s: float
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


def default_parallelism() -> int:
    """Parts encoded at once: one per CPU, at most 4 (each ffmpeg runs a filter thread and two
    x264 threads, so this keeps every core busy while one job starts or finishes)."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class _Plan:
    """Every piece of a render and its key."""

    parts: dict[int, list[tuple[Part, str]]]
    audio: str
    output: str

    @property
    def part_keys(self) -> list[str]:
        return [key for items in self.parts.values() for _, key in items]

    def segment_key(self, segment: int) -> str:
        return keys_key([key for _, key in self.parts[segment]])


def _plan(timeline: Timeline, asset_digests: Mapping[str, str], width: int, height: int) -> _Plan:
    parts = {
        span.index: [
            (part, part_key(part, asset_digests, width=width, height=height, fps=timeline.fps,
                            style=timeline.caption_style))
            for part in segment_parts(timeline, span.index)
        ]
        for span in timeline.segments
    }
    audio = audio_key(timeline, asset_digests)
    keys = [key for items in parts.values() for _, key in items]
    return _Plan(parts, audio, output_key(keys, audio, timeline.duration_s))


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

    Geometry is in fractions of the frame, so any size renders the same layout. Parts and the
    audio mix come from ``cache`` when their key is there; the rest are made ``max_parallel``
    at a time (default: ``default_parallelism()``). When ``out_path`` already holds this very
    content (its metadata names its key) nothing is made or joined. The output is replaced
    atomically.
    """
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise MediaError(f"preview size {width}x{height} must be positive and even")
    _check_assets(timeline, assets)
    began = time.perf_counter()
    steps = len(timeline.segments) + 1
    report = on_progress or (lambda what, done, total: None)
    plan = _plan(timeline, asset_digests, width, height)
    comment = f"{_COMMENT} {plan.output}"
    done: dict[int, SegmentRender] = {}

    def segment_done(index: int, reused: bool, elapsed_s: float) -> None:
        span = timeline.segment(index)
        done[index] = SegmentRender(
            index, plan.segment_key(index), reused, span.duration_s, elapsed_s
        )
        report(f"{'reused' if reused else 'rendered'} segment {index}", len(done), steps)

    def finish(
        parts_rendered: int, audio_reused: bool, mix_s: float, join_s: float, *, current: bool
    ) -> RenderReport:
        return RenderReport(
            out_path=out_path, width=width, height=height, duration_s=timeline.duration_s,
            segments=tuple(done[span.index] for span in timeline.segments),
            parts_rendered=parts_rendered,
            parts_reused=len(set(plan.part_keys)) - parts_rendered, audio_reused=audio_reused,
            up_to_date=current, mix_elapsed_s=mix_s, join_elapsed_s=join_s,
            total_elapsed_s=time.perf_counter() - began,
        )  # fmt: skip

    if _stored_comment(out_path) == comment:
        for span in timeline.segments:
            segment_done(span.index, True, 0.0)
        report("the preview is up to date", steps, steps)
        return finish(0, True, 0.0, 0.0, current=True)
    files: dict[str, Path] = {}
    for key in {*plan.part_keys, plan.audio}:
        if (path := cache.get(key)) is not None:
            files[key] = path
    for index, items in plan.parts.items():
        if all(key in files for _, key in items):
            segment_done(index, True, 0.0)
    audio_reused = plan.audio in files
    with tempfile.TemporaryDirectory(prefix="moviebuild-render-") as scratch:
        made = make_missing(
            timeline, assets, size=(width, height), parts=plan.parts, have=set(files),
            audio=None if audio_reused else plan.audio, cache=cache, work=Path(scratch),
            workers=max_parallel or default_parallelism(),
            on_segment=lambda index, elapsed_s: segment_done(index, False, elapsed_s),
        )  # fmt: skip
        join_started = time.perf_counter()
        _join(plan, cache, out_path, Path(scratch), timeline.duration_s, comment)
        join_elapsed_s = time.perf_counter() - join_started
    report(f"joined the parts and the {'reused' if audio_reused else 'new'} audio mix",
           steps, steps)  # fmt: skip
    return finish(
        made.parts, audio_reused, made.mix_elapsed_s or 0.0, join_elapsed_s, current=False
    )


def _join(
    plan: _Plan, cache: ClipCache, out_path: Path, work: Path, duration_s: float, comment: str
) -> None:
    def cached(key: str) -> Path:
        path = cache.get(key)
        if path is None:
            raise MediaError(f"the preview cache lost {key}.mp4 while rendering; render again")
        return path

    concat_list = work / "parts.txt"
    concat_list.write_text(
        "".join(f"file {_concat_quote(cached(key))}\n" for key in plan.part_keys)
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix}")
    args = join_args(concat_list, cached(plan.audio), duration_s=duration_s, comment=comment,
                     out_path=partial)  # fmt: skip
    run_ffmpeg(args, what=str(out_path))
    os.replace(partial, out_path)


def _stored_comment(path: Path) -> str | None:
    """The comment in the metadata of the media at ``path``, or None."""
    if not path.is_file():
        return None
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"^ {4}comment\s*: (.*)$", done.stderr.decode(errors="replace"), re.M)
    return found.group(1).strip() if found else None


def _check_assets(timeline: Timeline, assets: Mapping[str, Path]) -> None:
    tracks = timeline.tracks
    used = {clip.asset for clip in (*tracks.visual, *tracks.narration, *tracks.music)}
    absent = sorted(asset for asset in used if asset not in assets or not assets[asset].is_file())
    if absent:
        raise MediaError(
            f"the timeline uses {len(absent)} asset(s) with no file: {', '.join(absent[:5])}",
            hint="run moviebuild to rebuild them, or check the asset map",
        )


def _concat_quote(path: Path) -> str:
    # The concat demuxer's quoting: single quotes, with a quote written as '\''.
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"
