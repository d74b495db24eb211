"""Planning speed for the largest image movie (30 segments x 5 images = 214 jobs).

Prints the wall time of `moviebuild --dry-run --json` as a fresh process and of planning alone
(open + expand + plan, in-process). Targets: process <= 0.3 s, planning <= 20 ms.
"""

from __future__ import annotations

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
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "Moviefile.yaml").write_text(MOVIEFILE)
        command = [sys.executable, "-m", "moviebuild", "-C", folder, "--dry-run", "--json"]
        subprocess.run(command, check=True, capture_output=True)
        process_s = []
        for _ in range(7):
            began = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            process_s.append(time.perf_counter() - began)

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
        print(
            f"dry-run --json as a fresh process: median {statistics.median(process_s):.3f} s "
            f"(target <= 0.3 s)"
        )
        print(
            "planning alone (open + expand + plan): "
            f"median {statistics.median(plan_s) * 1000:.1f} ms "
            f"(of which loading the Moviefile {statistics.median(open_s) * 1000:.1f} ms; "
            f"target <= 20 ms)"
        )


if __name__ == "__main__":
    main()
