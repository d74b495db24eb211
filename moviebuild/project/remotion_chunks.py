"""Remotion renders that reuse: the movie in chunks, each cached by what it draws.

A chunk is a stretch of whole frames: a segment, cut again where a transition's window ends (so
a transition is a chunk of its own, like the preview's parts). Its key is xxh3-128 over the
composition's version (the hash of remotion/'s sources and lockfile), the frame size and rate,
and the timeline's slice over its frames with every time made relative to the chunk's first
frame, plus the content digests of the assets it shows; so an edit re-renders only the chunks
it touches, and a segment that only moved in time is reused. Missing chunks are rendered silent
(MPEG-TS H.264) by one ``render.mjs`` run, several at once; the audio is mixed once by the
preview's mix (filters.py); both are joined into the MP4 without re-encoding. The Remotion
tooling itself (Node, Chromium, the build) is remotion.py's.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import xxhash

from moviebuild.errors import MediaError, StoreFormatError
from moviebuild.media.ffmpeg import run_ffmpeg
from moviebuild.project.export import OUT_DIR
from moviebuild.project.folder_files import remove_file
from moviebuild.timeline.filters import audio_mix_args
from moviebuild.timeline.model import Timeline, load_asset_map, load_timeline
from moviebuild.timeline.parts import audio_key, frame_count
from moviebuild.timeline.render import DirectoryClipCache

CHUNKS_VERSION: Final = 1
"""Bump when how a chunk is rendered or keyed changes."""
CACHE_DIR: Final = Path(".moviebuild") / "cache" / "remotion"
_SOURCES: Final = ("src", "scripts", "package-lock.json")


@dataclass(frozen=True)
class Chunk:
    """Frames ``start`` to ``end`` (exclusive) of the movie, and their key."""

    start: int
    end: int
    key: str


@dataclass(frozen=True)
class ChunkedReport:
    """A chunked render: how many chunks were rendered and reused, and where the time went."""

    out_path: Path
    frames: int
    fps: int
    width: int
    height: int
    chunks: int
    rendered: int
    audio_reused: bool
    render_s: float
    total_elapsed_s: float

    @property
    def frames_per_s(self) -> float:
        return self.frames / max(self.total_elapsed_s, 1e-6)


def chunk_ranges(timeline: Timeline) -> list[tuple[int, int]]:
    """Each segment's frames, cut again where a transition into it ends."""
    fps = timeline.fps
    ranges = []
    for span in timeline.segments:
        start = frame_count(span.start_s, fps)
        end = start + frame_count(span.duration_s, fps)
        transition = timeline.transition_into(span.index)
        if transition is not None:
            cut = min(end, start + frame_count(transition.duration_s, fps))
            ranges.append((start, cut))
            start = cut
        if end > start:
            ranges.append((start, end))
    return ranges


def composition_version(project: Path) -> str:
    """A hash of the sources the composition is built from."""
    digest = xxhash.xxh3_128()
    for name in _SOURCES:
        root = project / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                digest.update(str(path.relative_to(project)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def chunk_key(
    timeline: Timeline,
    start: int,
    end: int,
    digests: dict[str, str],
    *,
    version: str,
    captions: bool,
) -> str:
    """The key of frames ``start`` to ``end``: everything drawn over them, relative to
    ``start``, and the content of every asset shown."""
    fps = timeline.fps

    def overlaps(start_s: float, duration_s: float) -> bool:
        first = frame_count(start_s, fps)
        return first < end and first + max(1, frame_count(duration_s, fps)) > start

    def moved(item: dict[str, Any]) -> dict[str, Any]:
        relative: dict[str, Any] = _relative(item, start / fps)
        return relative

    document = timeline.model_dump(mode="json")
    tracks = document["tracks"]
    visual = [
        moved(clip) | {"digest": digests.get(clip["asset"], "")}
        for clip in tracks["visual"]
        if overlaps(clip["start_s"], clip["duration_s"])
    ]
    transitions = []
    for transition in timeline.transitions:
        span = timeline.segment(transition.segment)
        if overlaps(span.start_s, transition.duration_s):
            outgoing = timeline.clip_at(span.start_s - 1e-4, transition.segment - 1)
            held = None if outgoing is None else moved(outgoing.model_dump(mode="json"))
            transitions.append(
                moved({**transition.model_dump(mode="json"), "start_s": span.start_s})
                | {"outgoing": held,
                   "digest": digests.get(outgoing.asset, "") if outgoing else ""}
            )  # fmt: skip
    cards = [
        moved(card) for card in document["cards"] if overlaps(card["start_s"], card["duration_s"])
    ]
    gaps = [
        moved(gap)
        for gap in document["gaps"]
        if overlaps(gap["start_s"], gap["end_s"] - gap["start_s"])
    ]
    shown = [
        moved(caption)
        for caption in tracks["captions"]
        if captions
        and timeline.caption_style.enabled
        and overlaps(caption["start_s"], caption["end_s"] - caption["start_s"])
    ]
    payload = {
        "chunks": CHUNKS_VERSION,
        "composition": version,
        "size": [timeline.width, timeline.height, fps],
        "frames": end - start,
        "visual": visual,
        "transitions": transitions,
        "cards": cards,
        "gaps": gaps,
        "captions": shown,
        "caption_style": document["caption_style"],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    key: str = xxhash.xxh3_128_hexdigest(canonical.encode())
    return key


def _relative(item: Any, origin_s: float) -> Any:
    # Every time in the slice counts from the chunk's start, so a moved segment keeps its key;
    # "segment" numbers are dropped for the same reason.
    if isinstance(item, dict):
        return {
            name: round(value - origin_s, 6)
            if name in {"start_s", "end_s"} and isinstance(value, float | int)
            else _relative(value, origin_s)
            for name, value in item.items()
            if name not in {"segment", "asset"}
        }
    if isinstance(item, list):
        return [_relative(value, origin_s) for value in item]
    return item


def file_digests(out: Path, assets: dict[str, str]) -> dict[str, str]:
    """The content digest of each asset file under ``out``."""
    found = {}
    for asset, relative in assets.items():
        path = out / relative
        if path.is_file():
            digest = xxhash.xxh3_128()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            found[asset] = digest.hexdigest()
    return found


def render_chunked(
    folder: Path,
    *,
    project: Path,
    node: str,
    chromium: Path,
    captions: bool = True,
    out_path: Path | None = None,
    parallel: int | None = None,
    on_progress: Callable[[str], None] | None = None,
    run: Callable[[list[str], list[str]], None],
) -> ChunkedReport:
    """Render the whole movie from cached and new chunks; ``run`` runs render.mjs (with the
    command to show when it fails)."""
    started = time.monotonic()
    out = folder / OUT_DIR
    timeline_path, assets_path = out / "timeline.json", out / "assets.json"
    try:
        timeline = load_timeline(timeline_path.read_bytes())
        asset_map = load_asset_map(assets_path.read_bytes())
    except OSError as exc:
        raise StoreFormatError(f"cannot read {out}: {exc}", hint="run `moviebuild` first") from exc
    digests = file_digests(out, asset_map.assets)
    version = composition_version(project)
    chunks = [
        Chunk(start, end, chunk_key(timeline, start, end, digests, version=version,
                                    captions=captions))
        for start, end in chunk_ranges(timeline)
    ]  # fmt: skip
    cache = _TsCache(folder / CACHE_DIR)
    missing = {chunk.key: chunk for chunk in chunks if cache.get(chunk.key) is None}
    report = on_progress or (lambda what: None)
    report(f"{len(chunks) - len(missing)} of {len(chunks)} chunks reused")
    render_s = 0.0
    if out_path is None:
        remove_file(folder, f"{OUT_DIR}/.movie.partial.mp4")
    target = (out_path or out / "movie.mp4").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="moviebuild-chunks-") as scratch:
        work = Path(scratch)
        if missing:
            listing = work / "chunks.json"
            listing.write_text(json.dumps([
                {"start": c.start, "end": c.end - 1, "output": str(work / f"{key}.ts")}
                for key, c in missing.items()
            ]))  # fmt: skip
            summary = work / "summary.json"
            script = [node, str(project / "dist" / "render.mjs"),
                      "--timeline", str(timeline_path.resolve()),
                      "--assets", str(assets_path.resolve()), "--browser", str(chromium),
                      "--output", str(work / "unused.mp4"), "--chunks", str(listing),
                      "--parallel", str(parallel or default_parallel())]  # fmt: skip
            if not captions:
                script.append("--no-captions")
            run([*script, "--summary", str(summary)], script)
            render_s = float(json.loads(summary.read_text(encoding="utf-8"))["render_s"])
            for key in missing:
                cache.put(key, work / f"{key}.ts")
        media = {asset: out / relative for asset, relative in asset_map.assets.items()}
        audio_digests = {asset: digests.get(asset, "") for asset in media}
        mix_key = audio_key(timeline, audio_digests)
        audio = cache.audio(mix_key)
        audio_reused = audio is not None
        if audio is None:
            report("mixing the audio")
            mixed = work / "audio.mp4"
            run_ffmpeg(audio_mix_args(timeline, media, mixed), what="the movie's audio mix")
            audio = cache.put_audio(mix_key, mixed)
        report("joining the chunks")
        partial = work / "movie.mp4"
        _join([cache.path(chunk.key) for chunk in chunks], audio, timeline, work, partial)
        shutil.move(partial, target)
    frames = frame_count(timeline.duration_s, timeline.fps)
    return ChunkedReport(
        out_path=target, frames=frames, fps=timeline.fps, width=timeline.width,
        height=timeline.height, chunks=len(chunks), rendered=len(missing),
        audio_reused=audio_reused, render_s=render_s,
        total_elapsed_s=time.monotonic() - started,
    )  # fmt: skip


def default_parallel() -> int:
    """Chunks rendered at once: one per core (each is one browser tab and one encoder)."""
    return max(1, os.cpu_count() or 1)


def _join(parts: list[Path], audio: Path, timeline: Timeline, work: Path, out: Path) -> None:
    listing = work / "join.txt"
    listing.write_text("".join(f"file '{_quote(path)}'\n" for path in parts))
    run_ffmpeg(
        ["-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio),
         "-map", "0:v", "-map", "1:a", "-c", "copy", "-t", f"{timeline.duration_s:.6f}",
         "-movflags", "+faststart", "-y", str(out)],
        what="joining the Remotion chunks",
    )  # fmt: skip


def _quote(path: Path) -> str:
    return str(path.resolve()).replace("'", "'\\''")


class _TsCache:
    """Chunks as ``<key>.ts`` and audio mixes as ``<key>.m4a`` in one directory."""

    def __init__(self, directory: Path) -> None:
        self.files = DirectoryClipCache(directory)
        self.directory = directory

    def path(self, key: str) -> Path:
        found = self.get(key)
        if found is None:
            raise MediaError(f"the Remotion chunk cache lost {key}.ts while rendering; "
                             "render again")  # fmt: skip
        return found

    def get(self, key: str) -> Path | None:
        path = self.directory / f"{key}.ts"
        return path if path.is_file() else None

    def put(self, key: str, path: Path) -> Path:
        if not path.is_file():
            raise MediaError(f"the Remotion render wrote no chunk {path.name}")
        self.directory.mkdir(parents=True, exist_ok=True)
        staging = self.directory / f".{key}.{os.getpid()}.partial"
        shutil.move(path, staging)
        target = self.directory / f"{key}.ts"
        os.replace(staging, target)
        return target

    def audio(self, key: str) -> Path | None:
        return self.files.get(f"audio-{key}")

    def put_audio(self, key: str, path: Path) -> Path:
        return self.files.put(f"audio-{key}", path)
