"""What the offline demo looks and sounds like: builds Moviefile.example.yaml as `make demo` does,
and the same movie in Japanese, renders their ffmpeg previews, tiles frames into
docs/demo-frames.png (two per segment of the example, at a third and two thirds of it, then a
row of the Japanese movie's first two segments, then a row of examples/research with its sources
and continuity reference at work), and prints per narration: its length, its
segment's, and the share of its energy above 1 kHz (speech has several per cent, the
placeholder tone next to none).

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
TILE_W = 427
JAPANESE = {
    "inquiry: \"Tell me about the history of the lighthouse\"":
        "inquiry: \"灯台の歴史について教えてください\"",
    "language: en": "language: ja",
}  # fmt: skip


def build(
    folder: Path, moviefile: str, copy_from: Path | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Build and render the movie in ``folder`` (with the files of ``copy_from``); its timeline
    and asset map."""
    if copy_from is not None:
        import shutil

        shutil.copytree(copy_from, folder, ignore=shutil.ignore_patterns(".moviebuild", "out"))
    else:
        folder.mkdir()
    (folder / "Moviefile.yaml").write_text(moviefile, encoding="utf-8")
    moviebuild = [sys.executable, "-m", "moviebuild", "-C", str(folder)]
    subprocess.run([*moviebuild, "--json"], check=True, capture_output=True)
    subprocess.run([*moviebuild, "render", "--json"], check=True, capture_output=True)
    timeline = json.loads((folder / "out" / "timeline.json").read_text())
    assets = json.loads((folder / "out" / "assets.json").read_text())["assets"]
    return timeline, assets


def frames_of(folder: Path, timeline: dict[str, Any], segments: int) -> list[Image.Image]:
    from tests.remotion.frames import extract_frame

    frames = []
    for span in timeline["segments"][:segments]:
        for third in ((1, 2) if segments > 2 else (1,)):
            at_s = span["start_s"] + span["duration_s"] * third / 3
            frames.append(extract_frame(folder / "out" / "preview.mp4",
                                        round(at_s * timeline["fps"])))  # fmt: skip
    return frames


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
        movies = []
        for name, moviefile in (("demo", example), ("demo-ja", japanese)):
            folder = Path(scratch) / name
            timeline, assets = build(folder, moviefile)
            movies.append((name, folder, timeline, assets))
            print(f"{name}: {timeline['duration_s']:.2f} s, {len(timeline['tracks']['music'])} "
                  f"music clip(s)")  # fmt: skip
            report(folder, timeline, assets)
        frames = frames_of(movies[0][1], movies[0][2], 3) + frames_of(movies[1][1], movies[1][2], 2)
        frames += reference_frames(Path(scratch))
        tile_h = round(TILE_W * frames[0].height / frames[0].width)
        rows = -(-len(frames) // 2)
        sheet = Image.new("RGB", (2 * TILE_W, tile_h * rows), "black")
        for index, frame in enumerate(frames):
            tile = frame.resize((TILE_W, tile_h), Image.Resampling.LANCZOS)
            sheet.paste(tile, ((index % 2) * TILE_W, (index // 2) * tile_h))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(args.out, optimize=True)
        print(f"wrote {args.out} ({len(frames)} frames)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
