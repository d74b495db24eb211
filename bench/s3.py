"""S3 requests and bytes of the everyday commands on a movie kept on an S3-protocol server.

Starts moto (in process, authentication on) on 127.0.0.1 behind a proxy that counts every
request and byte, then runs the CLI as a user does, with the offline providers, for a 30 s and a
300 s movie (5 images per segment). Prints, per scenario, the requests by method and the bytes
up and down:

- first build; a no-op build; one image prompt edited and rebuilt; `status`;
- `render` when every clip is already cached (after a first render);
- the same image edit on a machine with no local copies of the blobs (another clone).

Targets: a no-op of the 300 s movie in at most 10 requests; an image edit downloads no more than
the blobs the changed jobs read and uploads only new blobs, the revision and journal records.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from moviebuild.testing.s3server import S3Proxy, S3Server, Traffic

MOVIEFILE = """\
inquiry: Tell me about the Civil War
duration: {duration}
images_per_segment: 5
image_style: watercolor
store: {store}
"""
EDITED_PROMPT = Path("prompts") / "segment-03" / "image-1.txt"
BLOB_CACHE = Path(".moviebuild") / "cache" / "objects"


def run(folder: Path, env: dict[str, str], *args: str) -> float:
    command = [sys.executable, "-m", "moviebuild", "-C", str(folder), *args]
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - began


def report(name: str, traffic: Traffic, elapsed_s: float) -> None:
    methods = ", ".join(f"{m} {n}" for m, n in sorted(traffic.requests.items())) or "none"
    print(
        f"  {name:<34} {traffic.total:>5} requests ({methods}); "
        f"up {traffic.bytes_up / 1e6:7.2f} MB, down {traffic.bytes_down / 1e6:7.2f} MB; "
        f"{elapsed_s:5.1f} s"
    )


def bench_movie(duration: int, server: S3Server, proxy: S3Proxy, work: Path) -> None:
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    server.create_bucket(bucket)
    folder = work / f"movie-{duration}"
    folder.mkdir()
    store = f"s3://{bucket}/movies/civil-war"
    (folder / "Moviefile.yaml").write_text(MOVIEFILE.format(duration=duration, store=store))
    env = {**os.environ, **server.env(proxy.endpoint)}
    print(f"{duration} s movie ({duration // 10} segments x 5 images), store {store}:")

    def scenario(name: str, *args: str) -> None:
        proxy.traffic.reset()
        elapsed = run(folder, env, *args)
        report(name, proxy.traffic, elapsed)

    def edit(text: str) -> None:
        (folder / EDITED_PROMPT).write_text(text, encoding="utf-8")

    scenario("first build")
    scenario("no-op build")
    edit("A lighthouse at dawn, storm clouds parting\n")
    scenario("one image edit")
    scenario("status", "status")
    run(folder, env, "render")
    scenario("render, every clip cached", "render")
    shutil.rmtree(folder / BLOB_CACHE)
    scenario("no-op build, no local copies")
    edit("A lighthouse at dusk, gulls over the waves\n")
    scenario("one image edit, no local copies")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", default="30,300", help="movie lengths in seconds")
    options = parser.parse_args()
    with (
        S3Server() as server,
        S3Proxy(server.endpoint) as proxy,
        tempfile.TemporaryDirectory(prefix="moviebuild-s3-bench-") as work,
    ):
        for duration in (int(d) for d in options.durations.split(",")):
            bench_movie(duration, server, proxy, Path(work))


if __name__ == "__main__":
    main()
