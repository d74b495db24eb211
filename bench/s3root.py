"""S3 requests, bytes and seconds of a server's S3 root (``moviebuild serve --root s3://...``).

Starts moto (in process, authentication on) on 127.0.0.1 behind a proxy that counts every
request and byte. For a 30 s and a 300 s movie (5 images per segment, fake providers): create it
through the root and build it, then, as a second host with an empty cache would: list the
tenant's movies, read the revision for the listing, restore the movie folder from S3 (its
Moviefile, then a checkout of HEAD), read its state, and build it again (nothing may run);
then leave what three SIGKILLed builds leave in the journal and build twice more.
Prints requests by method, bytes up and down and seconds per step.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moviebuild.project.changes import Changes
from moviebuild.project.movie import Movie
from moviebuild.server.s3root import S3Root
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from moviebuild.testing.s3server import S3Proxy, S3Server

FAKE = {role: {"adapter": "fake"} for role in ("text", "speech", "music", "image", "video")}
MOVIEFILE = """\
inquiry: Tell me about the Civil War
duration: {duration}
images_per_segment: 5
providers: {providers}
"""


def step(proxy: S3Proxy, name: str, action: Callable[[], Any]) -> Any:
    proxy.traffic.reset()
    began = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - began
    traffic = proxy.traffic
    methods = ", ".join(f"{m} {n}" for m, n in sorted(traffic.requests.items())) or "none"
    print(
        f"  {name:<32} {traffic.total:>5} requests ({methods}); "
        f"up {traffic.bytes_up / 1e3:8.1f} kB, down {traffic.bytes_down / 1e3:8.1f} kB; "
        f"{elapsed:5.2f} s"
    )
    return result


def bench_movie(duration: int, server: S3Server, proxy: S3Proxy, work: Path) -> None:
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    server.create_bucket(bucket)
    url = f"s3://{bucket}/service"
    print(f"{duration} s movie ({duration // 10} segments x 5 images), root {url}:")
    fake = FakeAdapter(clock=ManualClock())
    options: dict[str, Any] = {"adapters": {"fake": fake}, "clock": fake.clock}
    first = S3Root(url, work / f"host-1-{duration}")
    text = MOVIEFILE.format(duration=duration, providers=FAKE)
    folder = step(proxy, "create", lambda: first.create_movie("acme", "m-bench", text))
    step(proxy, "first build", lambda: Movie.open(folder).build(**options))

    second = S3Root(url, work / f"host-2-{duration}")
    step(proxy, "list (host 2)", lambda: second.list_movies("acme"))
    step(proxy, "revision for the listing", lambda: second.head_revision("acme", "m-bench"))
    step(proxy, "restore on an empty cache", lambda: second.movie_exists("acme", "m-bench"))
    step(proxy, "open again (cached)", lambda: second.movie_exists("acme", "m-bench"))
    restored = second.movie_folder("acme", "m-bench")
    step(proxy, "state", lambda: Movie.open(restored).state())
    before = sum(fake.calls.values())
    result = step(proxy, "no-op build (host 2)", lambda: Movie.open(restored).build(**options))
    print(f"  no-op build ran {sum(fake.calls.values()) - before} calls, {result.ran}")

    store = Movie.open(restored).open_store()
    for _kill in range(3):
        # What a build SIGKILLed after journaling 10 records leaves: record objects, unfolded.
        writer = store.open_journal(store.next_revision())
        for number in range(10):
            writer.append({"event": "note", "number": number})
    edit = Changes(overrides={"SegmentImagePrompt[2][1]": "A lighthouse at dawn"})
    step(proxy, "edit after 3 killed builds", lambda: Movie.open(restored).build(edit, **options))
    step(proxy, "no-op build after that", lambda: Movie.open(restored).build(**options))
    redo = Changes(redo=["TextToImageProducer[3][1]"])
    step(proxy, "a new take after that", lambda: Movie.open(restored).build(redo, **options))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", default="30,300", help="movie lengths in seconds")
    options = parser.parse_args()
    with (
        S3Server() as server,
        S3Proxy(server.endpoint) as proxy,
        tempfile.TemporaryDirectory(prefix="moviebuild-s3root-bench-") as work,
    ):
        os.environ.update(server.env(proxy.endpoint))
        for duration in (int(d) for d in options.durations.split(",")):
            bench_movie(duration, server, proxy, Path(work))


if __name__ == "__main__":
    main()
