"""What the offline demo looks and sounds like: builds Moviefile.example.yaml as `make demo` does,
with two variants (`vertical`: 9:16; `es-vertical`: 9:16 in Spanish), the same movie written in
Japanese, and examples/research, renders their ffmpeg previews, tiles frames into
docs/demo-frames.png (two per segment of the example, at a third and two thirds of it; below them
the same moment of segment 2 at 16:9, at 9:16 and at 9:16 in Spanish, and the Japanese movie's;
last a row of examples/research with its sources and continuity reference at work), and prints
per narration: its length, its segment's, and the share of its energy above 1 kHz (speech has
several per cent, the placeholder tone next to none).

Usage: .venv/bin/python bench/demo_frames.py [--out docs/demo-frames.png]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
TILE_W = 322
WIDE_W = 427
TALL_H = 480
VARIANTS = """
variants:
  vertical: {aspect_ratio: "9:16"}
  es-vertical: {language: es, aspect_ratio: "9:16"}
"""
JAPANESE = {
    "inquiry: \"Tell me about the history of the lighthouse\"":
        "inquiry: \"灯台の歴史について教えてください\"",
    "language: en": "language: ja",
}  # fmt: skip


def build(
    folder: Path, moviefile: str, variants: tuple[str, ...] = (), copy_from: Path | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Build and render the movie in ``folder`` (with the files of ``copy_from``) and its
    ``variants``; its timeline and asset map."""
    if copy_from is not None:
        import shutil

        shutil.copytree(copy_from, folder, ignore=shutil.ignore_patterns(".moviebuild", "out"))
    else:
        folder.mkdir()
    (folder / "Moviefile.yaml").write_text(moviefile, encoding="utf-8")
    moviebuild = [sys.executable, "-m", "moviebuild", "-C", str(folder)]
    subprocess.run([*moviebuild, "--json"], check=True, capture_output=True)
    subprocess.run([*moviebuild, "render", "--json"], check=True, capture_output=True)
    for variant in variants:
        subprocess.run([*moviebuild, "--variant", variant, "--json"], check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run([*moviebuild, "render", "--variant", variant, "--json"], check=True,
                       capture_output=True)  # fmt: skip
    return timeline_of(folder)


def timeline_of(out: Path) -> tuple[dict[str, Any], dict[str, str]]:
    timeline = json.loads((out / "out" / "timeline.json").read_text())
    assets = json.loads((out / "out" / "assets.json").read_text())["assets"]
    return timeline, assets


def frame_at(out: Path, timeline: dict[str, Any], segment: int, third: int) -> Image.Image:
    """The preview's frame ``third`` thirds into ``segment`` (1-based) of the movie in ``out``."""
    from tests.remotion.frames import extract_frame

    span = timeline["segments"][segment - 1]
    at_s = span["start_s"] + span["duration_s"] * third / 3
    return extract_frame(out / "out" / "preview.mp4", round(at_s * timeline["fps"]))


def frames_of(folder: Path, timeline: dict[str, Any], segments: int) -> list[Image.Image]:
    return [
        frame_at(folder, timeline, segment, third)
        for segment in range(1, segments + 1)
        for third in (1, 2)
    ]


def contact_sheet(
    top: list[Image.Image],
    wide: Image.Image,
    japanese: Image.Image,
    tall: list[Image.Image],
    bottom: list[Image.Image],
) -> Image.Image:
    """Six 16:9 frames in two rows of three; below, a 16:9 frame over the Japanese one, beside
    the 9:16 frames of the same moment; last, a row of ``bottom`` frames."""
    tile_h = round(TILE_W * top[0].height / top[0].width)
    tall_w = round(TALL_H * tall[0].width / tall[0].height)
    width = max(3 * TILE_W, WIDE_W + len(tall) * tall_w)
    sheet = Image.new("RGB", (width, 3 * tile_h + TALL_H), "black")
    for index, frame in enumerate(top):
        tile = frame.resize((TILE_W, tile_h), Image.Resampling.LANCZOS)
        sheet.paste(tile, ((index % 3) * TILE_W, (index // 3) * tile_h))
    for row, frame in enumerate((wide, japanese)):
        tile = frame.resize((WIDE_W, TALL_H // 2), Image.Resampling.LANCZOS)
        sheet.paste(tile, (0, 2 * tile_h + row * (TALL_H // 2)))
    for column, frame in enumerate(tall):
        tile = frame.resize((tall_w, TALL_H), Image.Resampling.LANCZOS)
        sheet.paste(tile, (WIDE_W + column * tall_w, 2 * tile_h))
    for column, frame in enumerate(bottom):
        tile = frame.resize((TILE_W, tile_h), Image.Resampling.LANCZOS)
        sheet.paste(tile, (column * TILE_W, 2 * tile_h + TALL_H))
    return sheet


def report(folder: Path, timeline: dict[str, Any], assets: dict[str, str]) -> None:
    from moviebuild.providers.offline.audio import mp3_duration_s
    from tests.providers.offline.test_demo_movie import share_above_1khz

    for clip in timeline["tracks"]["narration"]:
        mp3 = (folder / "out" / assets[clip["asset"]]).read_bytes()
        span = timeline["segments"][clip["segment"] - 1]
        print(f"{clip['asset']}: {mp3_duration_s(mp3):.2f} s of narration in a "
              f"{span['duration_s']:.2f} s segment, cut {clip['cut_s']:.2f} s; "
              f"{100 * share_above_1khz(mp3):.1f} % of its energy above 1 kHz")  # fmt: skip


def reference_frames(scratch: Path) -> list[Image.Image]:
    """Two frames of examples/research (segments 2 and 3: narration retelling the sources, the
    lighthouse sheet's colours and inset), after printing which shots use the sheet."""
    example = ROOT / "examples" / "research"
    folder = scratch / "research"
    timeline, _ = build(folder, (example / "Moviefile.yaml").read_text(encoding="utf-8"),
                        copy_from=example)  # fmt: skip
    state = json.loads(subprocess.run(
        [sys.executable, "-m", "moviebuild", "-C", str(folder), "status", "--json"],
        check=True, capture_output=True, text=True).stdout)  # fmt: skip
    for sheet in state["references"]:
        print(f"reference {sheet['name']}: used by {', '.join(sheet['used_by']) or 'no job'}")
    for source in timeline.get("sources", []):
        print(f"source [{source['number']}] {source['title']}: cited by segments "
              f"{source['segments']}")  # fmt: skip
    frames = frames_of(folder, timeline, 3)
    return frames[2:4]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "demo-frames.png")
    args = parser.parse_args()
    example = (ROOT / "Moviefile.example.yaml").read_text(encoding="utf-8")
    japanese = example
    for old, new in JAPANESE.items():
        assert old in japanese, f"Moviefile.example.yaml no longer says {old}"
        japanese = japanese.replace(old, new)

    with tempfile.TemporaryDirectory(prefix="moviebuild-demo-") as scratch:
        demo, demo_ja = Path(scratch) / "demo", Path(scratch) / "demo-ja"
        tall = ("vertical", "es-vertical")
        build(demo, example + VARIANTS, tall)
        build(demo_ja, japanese)
        movies = [("demo", demo), *((v, demo / "variants" / v) for v in tall),
                  ("demo-ja", demo_ja)]  # fmt: skip
        for name, out in movies:
            timeline, assets = timeline_of(out)
            print(f"{name}: {timeline['duration_s']:.2f} s, {timeline['width']}x"
                  f"{timeline['height']}, {len(timeline['tracks']['music'])} music clip(s)")
            report(out, timeline, assets)
        frames = frames_of(demo, timeline_of(demo)[0], 3)
        moment = [frame_at(out, timeline_of(out)[0], 2, 1) for _, out in movies]
        research = reference_frames(Path(scratch))
        sheet = contact_sheet(frames, moment[0], moment[-1], moment[1:-1], research)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(args.out, optimize=True)
        print(f"wrote {args.out} ({len(frames) + len(moment) + len(research)} frames)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
