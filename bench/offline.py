"""Offline build and ffmpeg preview speed, through the CLI as a user runs it.

Prints three numbers with their targets (2 cores):
1. the wall time of a from-scratch offline build of a 30 x 5 movie (300 s, 5 images per
   segment, 720p): target <= 60 s; and, in the same run, the same build with the placeholder
   tone instead of speech: real speech takes at most 2.5 times as long;
2. the preview render time of a 60 s movie (6 segments x 3 images) from an empty render cache,
   over the movie's duration: target <= 0.35;
3. for a 120 s movie, the re-render after one image prompt's edit (prompts/segment-03/
   image-1.txt, rebuilt with `moviebuild`) as a fraction of its full render: target <= 0.15.

Render times are the wall time of the `moviebuild render` process, median of --repeats runs.
CPU seconds (the process and its ffmpegs) are printed too: on a busy machine they say more than
wall times, and CPU / cores is what an idle machine of that many cores would take at best.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MOVIEFILE = """\
inquiry: Tell me about the Civil War
duration: {duration}
images_per_segment: {images}
image_style: watercolor
"""
EDITED_PROMPT = Path("prompts") / "segment-03" / "image-1.txt"
RENDER_CACHE = Path(".moviebuild") / "cache" / "render"


SPEECH_ENGINE = "MOVIEBUILD_OFFLINE_SPEECH"
CPU_S = "cpu_s"
"""Where ``moviebuild`` adds the CPU seconds of the run to its JSON summary."""


def moviebuild(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[float, dict[str, Any]]:
    """Run the CLI with --json in ``folder``; its wall time and its JSON summary, with the CPU
    seconds of the process and its children under ``CPU_S``."""
    command = [sys.executable, "-m", "moviebuild", "-C", str(folder), *args, "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    summary: dict[str, Any] = json.loads(done.stdout)
    summary[CPU_S] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, summary


def new_movie(root: Path, name: str, duration: int, images: int) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "Moviefile.yaml").write_text(MOVIEFILE.format(duration=duration, images=images))
    return folder


def full_render(folder: Path) -> tuple[float, dict[str, Any]]:
    """`moviebuild render` with an empty render cache and no previous output."""
    shutil.rmtree(folder / RENDER_CACHE, ignore_errors=True)
    (folder / "out" / "preview.mp4").unlink(missing_ok=True)
    return moviebuild(folder, "render")


def bench_build(root: Path) -> None:
    tone_s, tone = moviebuild(
        new_movie(root, "build-30x5-tone", 300, 5), env={SPEECH_ENGINE: "tone"}
    )
    folder = new_movie(root, "build-30x5", 300, 5)
    elapsed, summary = moviebuild(folder, env={SPEECH_ENGINE: ""})
    jobs = sum(summary["ran"].values())
    engine = json.loads(
        subprocess.run(
            [sys.executable, "-m", "moviebuild", "-C", str(folder), "doctor", "--json"],
            capture_output=True, text=True, check=False, env={**os.environ, SPEECH_ENGINE: ""},
        ).stdout or "[]"
    )  # fmt: skip
    speech = next((row for row in engine if row.get("speech_engine")), {})
    print(
        f"1. offline build of a 30 x 5 movie (300 s, 720p), from scratch: {elapsed:.1f} s "
        f"(target <= 60 s); {jobs} jobs, {summary[CPU_S]:.1f} CPU s; speech "
        f"{speech.get('speech_engine')} {speech.get('voice_model') or ''}".rstrip()
    )
    print(
        f"   the same build with the placeholder tone: {tone_s:.1f} s ({tone[CPU_S]:.1f} CPU s); "
        f"real speech / tone = {elapsed / tone_s:.2f} (target <= 2.5), in CPU s "
        f"{summary[CPU_S] / tone[CPU_S]:.2f}"
    )


def bench_full_render(root: Path, repeats: int) -> None:
    folder = new_movie(root, "render-60s", 60, 3)
    moviebuild(folder)
    runs = [full_render(folder) for _ in range(repeats)]
    wall = statistics.median([elapsed for elapsed, _ in runs])
    cpu = statistics.median([summary[CPU_S] for _, summary in runs])
    duration = float(runs[0][1]["duration_s"])
    print(
        f"2. preview render of a {duration:.0f} s movie at 720p, empty cache: {wall:.1f} s = "
        f"{wall / duration:.3f} of its duration (target <= 0.35); {cpu:.1f} CPU s; runs "
        + ", ".join(f"{elapsed:.1f}" for elapsed, _ in runs)
        + " s"
    )
    again, summary = moviebuild(folder, "render")
    print(
        f"   the same render again, nothing changed: {again:.2f} s, "
        f"{len(summary['rendered_segments'])} segment(s) re-encoded"
    )


def bench_edit(root: Path, repeats: int) -> None:
    folder = new_movie(root, "render-120s", 120, 3)
    moviebuild(folder)
    full = [full_render(folder) for _ in range(repeats)]
    full_s = statistics.median([elapsed for elapsed, _ in full])
    full_cpu = statistics.median([summary[CPU_S] for _, summary in full])
    edits: list[tuple[float, dict[str, Any]]] = []
    prompt = folder / EDITED_PROMPT
    for take in range(repeats):
        prompt.write_text(prompt.read_text().rstrip("\n") + f", seen at dusk ({take + 1})\n")
        _, built = moviebuild(folder)
        if built["failed"] or not built["ran"].get("TextToImageProducer"):
            sys.exit(f"the edit of {EDITED_PROMPT} did not rebuild the image: {built}")
        edits.append(moviebuild(folder, "render"))
    edit_s = statistics.median([elapsed for elapsed, _ in edits])
    edit_cpu = statistics.median([summary[CPU_S] for _, summary in edits])
    rendered = sorted({seg for _, summary in edits for seg in summary["rendered_segments"]})
    print(
        f"3. 120 s movie: full render {full_s:.1f} s ({full_cpu:.1f} CPU s); after editing "
        f"{EDITED_PROMPT} and rebuilding, re-render {edit_s:.2f} s ({edit_cpu:.1f} CPU s) = "
        f"{edit_s / full_s:.3f} of the full render (target <= 0.15); "
        f"re-encoded segment(s) {rendered}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="render runs per median")
    parser.add_argument("--only", choices=["build", "render", "edit"], help="run one benchmark")
    options = parser.parse_args()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load} (other work slows the wall times)")
    with tempfile.TemporaryDirectory(prefix="moviebuild-bench-") as scratch:
        root = Path(scratch)
        if options.only in (None, "build"):
            bench_build(root)
        if options.only in (None, "render"):
            bench_full_render(root, options.repeats)
        if options.only in (None, "edit"):
            bench_edit(root, options.repeats)


if __name__ == "__main__":
    main()
