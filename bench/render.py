"""Render speed of both engines, and what a chunked Remotion render saves after an edit.

Makes a movie of image segments with a dissolve at every boundary and a title and end card,
then prints: the ffmpeg preview's full render against real time; a full chunked Remotion render
(empty chunk cache) against real time; and, after one segment's image is edited, the chunked
Remotion render's time as a share of the full one (the goal is <= 0.2). Needs Node,
remotion/node_modules and Chromium (see docs/remotion.md).

Usage: .venv/bin/python bench/render.py [--segments 12] [--seconds 2] [--width 426]
                                        [--height 240] [--whole]
(--whole also times one unchunked Remotion render of the whole movie.)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moviebuild.config.enums import AssemblyStrategy  # noqa: E402
from moviebuild.project.remotion import find_browser, render_with_remotion  # noqa: E402
from moviebuild.timeline import (  # noqa: E402
    AssemblyMaterial,
    AssetMap,
    DirectoryClipCache,
    ExpectedAssets,
    SegmentMaterial,
    SourceCredit,
    Timeline,
    Transition,
    TransitionKind,
    assemble_timeline,
    dump_asset_map,
    dump_timeline,
    render_preview,
)


def picture(path: Path, number: int, size: tuple[int, int]) -> None:
    hue = (number * 67) % 256
    image = Image.new("RGB", size, (hue, 255 - hue, (hue * 3) % 256))
    draw = ImageDraw.Draw(image)
    for ring in range(8):
        inset = ring * size[1] // 18
        draw.ellipse((inset, inset, size[0] - inset, size[1] - inset),
                     outline=(255 - hue, hue, 90), width=4)  # fmt: skip
    image.save(path)


def make_movie(folder: Path, segments: int, seconds: float, width: int, height: int) -> Timeline:
    out = folder / "out"
    out.mkdir(parents=True)
    for number in range(1, segments + 1):
        picture(out / f"image-{number}.png", number, (width * 3 // 2, height * 3 // 2))
    material = AssemblyMaterial(
        title="Bench", fps=30, width=width, height=height, segment_length_s=seconds,
        segments=tuple(
            SegmentMaterial(index=n, expected=ExpectedAssets(narration=f"N{n}", images=(f"I{n}",)),
                            narration=None, images=(f"I{n}",))
            for n in range(1, segments + 1)
        ),
        transitions=tuple(Transition(segment=n, kind=TransitionKind.DISSOLVE, duration_s=0.5)
                          for n in range(2, segments + 1)),
        title_card_s=1.0, end_card_s=1.0,
        sources=(SourceCredit(number=1, title="Bench", url="https://example.org"),),
    )  # fmt: skip
    timeline = assemble_timeline(material, AssemblyStrategy.FIXED)
    (out / "timeline.json").write_bytes(dump_timeline(timeline))
    assets = {f"I{n}": f"image-{n}.png" for n in range(1, segments + 1)}
    (out / "assets.json").write_bytes(dump_asset_map(AssetMap(assets=assets)))
    return timeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--width", type=int, default=426)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--whole", action="store_true")
    args = parser.parse_args()
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="moviebuild-bench-render-") as scratch:
        folder = Path(scratch) / "movie"
        timeline = make_movie(folder, args.segments, args.seconds, args.width, args.height)
        movie_s = timeline.duration_s
        frames = round(movie_s * timeline.fps)
        print(f"movie: {args.segments} segments, {movie_s:.1f} s, {frames} frames of "
              f"{timeline.width}x{timeline.height} at {timeline.fps} fps")  # fmt: skip
        media = {f"I{n}": folder / "out" / f"image-{n}.png" for n in range(1, args.segments + 1)}

        began = time.perf_counter()
        render_preview(timeline, media, out_path=folder / "preview.mp4", width=timeline.width,
                       height=timeline.height, cache=DirectoryClipCache(folder / "cache"),
                       asset_digests={asset: asset for asset in media})  # fmt: skip
        ffmpeg_s = time.perf_counter() - began
        speed = movie_s / ffmpeg_s
        print(f"ffmpeg preview, full render: {ffmpeg_s:.1f} s = {speed:.2f}x real time")

        if args.whole:
            whole = render_with_remotion(folder, browser=browser, out_path=folder / "whole.mp4",
                                         chunks=False)  # fmt: skip
            print(f"Remotion, whole render in one pass: {whole.total_elapsed_s:.1f} s = "
                  f"{movie_s / whole.total_elapsed_s:.2f}x real time")  # fmt: skip

        full = render_with_remotion(folder, browser=browser, out_path=folder / "movie.mp4")
        print(f"Remotion, full chunked render ({full.chunks} chunks): "
              f"{full.total_elapsed_s:.1f} s = {movie_s / full.total_elapsed_s:.2f}x real time")

        middle = args.segments // 2
        picture(folder / "out" / f"image-{middle}.png", 1000, (args.width * 3 // 2,
                                                                args.height * 3 // 2))  # fmt: skip
        edited = render_with_remotion(folder, browser=browser, out_path=folder / "movie.mp4")
        ratio = edited.total_elapsed_s / full.total_elapsed_s
        print(f"Remotion, after editing segment {middle}'s image: {edited.chunks_rendered} of "
              f"{edited.chunks} chunks rendered in {edited.total_elapsed_s:.1f} s")  # fmt: skip
        print(f"chunked render after one edit / full render: {ratio:.3f} (goal <= 0.2)")


if __name__ == "__main__":
    main()
