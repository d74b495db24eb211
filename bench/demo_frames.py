"""What the offline demo looks and sounds like: builds Moviefile.example.yaml as `make demo` does,
renders the ffmpeg preview, tiles frames of it into docs/demo-frames.png (two per segment, at a
third and two thirds of it), and prints per narration: its length, its segment's, and the share
of its energy above 1 kHz (speech has several per cent, the placeholder tone next to none).

Usage: .venv/bin/python bench/demo_frames.py [--out docs/demo-frames.png]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
TILE_W = 427


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "demo-frames.png")
    args = parser.parse_args()
    from moviebuild.providers.offline.audio import mp3_duration_s
    from tests.providers.offline.test_demo_movie import share_above_1khz
    from tests.remotion.frames import extract_frame

    with tempfile.TemporaryDirectory(prefix="moviebuild-demo-") as scratch:
        folder = Path(scratch) / "demo"
        folder.mkdir()
        shutil.copy(ROOT / "Moviefile.example.yaml", folder / "Moviefile.yaml")
        moviebuild = [sys.executable, "-m", "moviebuild", "-C", str(folder)]
        subprocess.run([*moviebuild, "--json"], check=True, capture_output=True)
        subprocess.run([*moviebuild, "render", "--json"], check=True, capture_output=True)
        timeline = json.loads((folder / "out" / "timeline.json").read_text())
        assets = json.loads((folder / "out" / "assets.json").read_text())["assets"]
        fps = timeline["fps"]
        frames = []
        for span in timeline["segments"]:
            for third in (1, 2):
                at_s = span["start_s"] + span["duration_s"] * third / 3
                frames.append(extract_frame(folder / "out" / "preview.mp4", round(at_s * fps)))
        tile_h = round(TILE_W * frames[0].height / frames[0].width)
        sheet = Image.new("RGB", (2 * TILE_W, tile_h * len(timeline["segments"])), "black")
        for index, frame in enumerate(frames):
            tile = frame.resize((TILE_W, tile_h), Image.Resampling.LANCZOS)
            sheet.paste(tile, ((index % 2) * TILE_W, (index // 2) * tile_h))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(args.out, optimize=True)
        print(f"wrote {args.out} ({len(frames)} frames of {timeline['width']}x"
              f"{timeline['height']})")  # fmt: skip
        for clip in timeline["tracks"]["narration"]:
            mp3 = (folder / "out" / assets[clip["asset"]]).read_bytes()
            span = timeline["segments"][clip["segment"] - 1]
            print(f"{clip['asset']}: {mp3_duration_s(mp3):.2f} s of narration in a "
                  f"{span['duration_s']:.2f} s segment, cut {clip['cut_s']:.2f} s; "
                  f"{100 * share_above_1khz(mp3):.1f} % of its energy above 1 kHz")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
