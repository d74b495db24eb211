"""Making what the preview's cache lacks: parts and the audio mix, several ffmpegs at a time.

``make_missing`` runs one ffmpeg per job in a thread pool, puts each result in the cache as soon
as it exists (so a failed render keeps what it made), and reports a segment once its last part
is in. render.py decides what is missing and joins the result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from moviebuild.errors import MediaError, MovieBuildError
from moviebuild.media.ffmpeg import run_ffmpeg
from moviebuild.timeline.captions import draw_caption
from moviebuild.timeline.cards import draw_card
from moviebuild.timeline.filters import audio_mix_args, part_args
from moviebuild.timeline.model import ImageClip, Timeline
from moviebuild.timeline.parts import Part


class KeyedFiles(Protocol):
    """Where made files go: ``put`` takes the file at ``path`` and returns where it now is."""

    def put(self, key: str, path: Path) -> Path: ...


@dataclass(frozen=True)
class Made:
    """What ``make_missing`` did: how many parts it encoded, and the audio mix's wall seconds
    (None when it was not asked for)."""

    parts: int
    mix_elapsed_s: float | None


def make_missing(
    timeline: Timeline,
    assets: Mapping[str, Path],
    *,
    size: tuple[int, int],
    parts: Mapping[int, Sequence[tuple[Part, str]]],
    have: set[str],
    audio: str | None,
    cache: KeyedFiles,
    work: Path,
    workers: int,
    on_segment: Callable[[int, float], None],
) -> Made:
    """Encode every part of ``parts`` (segment -> (part, key) in order) whose key is not in
    ``have``, and mix the audio under the key ``audio`` unless it is None, ``workers`` at a
    time. Equal keys are made once. ``on_segment(segment, elapsed_s)`` is called, under a lock,
    when a segment's last missing part is cached. Raises the first failure once every job has
    ended; what did succeed is in the cache."""
    width, height = size
    fps = timeline.fps
    lock = threading.Lock()
    pending = {index: {key for _, key in items} - have for index, items in parts.items()}
    spent = dict.fromkeys(parts, 0.0)

    def encode(part: Part, key: str) -> None:
        started = time.perf_counter()
        path = work / f"{key}.mp4"
        slate = image_size = None
        if part.kind == "slate":
            slate = work / f"{key}.png"
            draw_slate(slate, width, height, part.segment, list(part.missing))
        elif part.kind == "image":
            image_size = read_image_size(assets[str(part.asset)])
        captions = []
        for number, show in enumerate(part.captions):
            picture, box = draw_caption(
                show.caption, show.highlight, timeline.caption_style, width, height
            )
            picture_path = work / f"{key}-caption-{number}.png"
            picture.save(picture_path)
            captions.append((picture_path, box.left, box.top))
        cards = []
        for number, card_show in enumerate(part.cards):
            card_path = work / f"{key}-card-{number}.png"
            draw_card(card_show.card, width, height).save(card_path)
            cards.append(card_path)
        outgoing_size = None
        if part.transition is not None and isinstance(part.outgoing, ImageClip):
            outgoing_size = read_image_size(assets[part.outgoing.asset])
        args = part_args(part, fps=fps, width=width, height=height, media=assets,
                         image_size=image_size, slate=slate, captions=captions, cards=cards,
                         outgoing_size=outgoing_size, out_path=path)  # fmt: skip
        run_ffmpeg(args, what=f"a preview part of segment {part.segment}")
        elapsed_s = time.perf_counter() - started
        with lock:
            cache.put(key, path)
            for index, waiting in pending.items():
                if key in waiting:
                    waiting.discard(key)
                    spent[index] += elapsed_s
                    if not waiting:
                        on_segment(index, spent[index])

    def mix(key: str) -> float:
        started = time.perf_counter()
        path = work / f"{key}.mp4"
        run_ffmpeg(audio_mix_args(timeline, assets, path), what="the preview's audio mix")
        with lock:
            cache.put(key, path)
        return time.perf_counter() - started

    jobs: dict[str, Part] = {}
    for items in parts.values():
        for part, key in items:
            if key not in have:
                jobs.setdefault(key, part)
    failures: list[MovieBuildError] = []
    mix_elapsed_s: float | None = None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # The mix first: one long job that overlaps the parts.
        mixing: Future[float] | None = None if audio is None else pool.submit(mix, audio)
        for future in [pool.submit(encode, part, key) for key, part in jobs.items()]:
            try:
                future.result()
            except MovieBuildError as exc:
                failures.append(exc)
        if mixing is not None:
            try:
                mix_elapsed_s = mixing.result()
            except MovieBuildError as exc:
                failures.append(exc)
    if failures:
        raise failures[0]
    return Made(parts=len(jobs), mix_elapsed_s=mix_elapsed_s)


def read_image_size(path: Path) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError) as exc:
        raise MediaError(f"cannot read the image {path}: {exc}") from exc


def draw_slate(path: Path, width: int, height: int, segment: int, missing: list[str]) -> None:
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
