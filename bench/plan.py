"""Speed of the loop for the largest image movie (30 segments x 5 images = 214 jobs).

Prints, as fresh processes, bare Python's start, `moviebuild --dry-run` of the movie never built,
and `moviebuild` when everything is built (a no-op build), then planning alone in-process (open +
expand + plan). Targets on a quiet machine: dry run <= 0.25 s, no-op build <= 0.35 s, planning
<= 20 ms. The movie is built once first with the fake media adapter (instant); bytecode is
cached as an installed package's is (PYTHONDONTWRITEBYTECODE is dropped for the runs).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MOVIEFILE = """\
inquiry: Tell me about the Civil War
duration: 300
images_per_segment: 5
image_style: watercolor
providers:
  speech: {adapter: fake}
  music: {adapter: fake}
  image: {adapter: fake}
  video: {adapter: fake}
"""

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def fresh_process_s(command: list[str], runs: int = 7) -> float:
    """The median wall time of ``command`` as a new process, after one run that warms caches."""
    subprocess.run(command, check=True, capture_output=True, env=ENV)
    took = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=ENV)
        took.append(time.perf_counter() - began)
    return statistics.median(took)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "Moviefile.yaml").write_text(MOVIEFILE)
        moviebuild = [sys.executable, "-m", "moviebuild", "-C", folder]
        bare_s = fresh_process_s([sys.executable, "-c", "pass"])
        dry_s = fresh_process_s([*moviebuild, "--dry-run"])
        subprocess.run(moviebuild, check=True, capture_output=True, env=ENV)
        noop_s = fresh_process_s(moviebuild)

        from moviebuild.project.movie import Movie

        Movie.open(root).plan()
        plan_s, open_s = [], []
        for _ in range(30):
            began = time.perf_counter()
            movie = Movie.open(root)
            opened = time.perf_counter()
            plan = movie.make_plan()
            done = time.perf_counter()
            open_s.append(opened - began)
            plan_s.append(done - began)
        print(f"jobs: {len(plan.jobs)}, layers: {len(plan.graph.layers)}")
        print(f"bare python start: median {bare_s:.3f} s")
        print(f"dry run as a fresh process: median {dry_s:.3f} s (target <= 0.25 s)")
        print(f"no-op build as a fresh process: median {noop_s:.3f} s (target <= 0.35 s)")
        print(
            "planning alone (open + expand + plan, built movie): "
            f"median {statistics.median(plan_s) * 1000:.1f} ms "
            f"(of which opening {statistics.median(open_s) * 1000:.1f} ms; target <= 20 ms)"
        )
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
