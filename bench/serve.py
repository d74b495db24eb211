"""The HTTP API under load: a real ``moviebuild serve`` process, 20 movies building at once with
the offline providers (simulated latency, scaled), while 50 clients read states and stream
events. Prints the p50/p99 latency of ``GET /v1/movies/{id}``, events delivered and errors.
Targets: p99 <= 100 ms, zero errors.

With ``--database`` the server builds on workers: a throwaway PostgreSQL, ``--workers``
``moviebuild worker`` processes (the fake adapter) and ``serve --database``; it also prints the
most database connections the server and each worker held at once (their sockets, counted from
outside) and the machine's load average.

    .venv/bin/python bench/serve.py [--movies 20] [--readers 40] [--streams 10] [--scale 0.05]
                                    [--think-ms 200] [--fake] [--database [--workers 2]]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moviebuild.server.root import LocalRoot
from moviebuild.server.tokens import TokenBook

#: With --fake: the fake adapter's seconds per call (about the design's medians times 0.5), so
#: the server does the scheduling and bookkeeping of real builds without making media.
FAKE_LATENCY_S = {
    "ScriptProducer": 4.0, "TextToMusicPromptProducer": 1.5, "TextToImagePromptProducer": 1.5,
    "AudioProducer": 2.5, "TextToImageProducer": 5.0, "MusicProducer": 15.0,
}


def moviefile(number: int, scale: float, fake: bool) -> dict[str, Any]:
    provider: dict[str, Any] = (
        {"adapter": "fake"} if fake
        else {"adapter": "offline", "simulate_latency": "medians", "time_scale": scale}
    )
    return {
        "inquiry": f"Tell me about the Civil War, part {number}",
        "duration": 30,
        "images_per_segment": 2,
        "providers": {role: provider for role in ("text", "speech", "music", "image")},
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Tally:
    def __init__(self) -> None:
        self.latencies_ms: list[float] = []
        self.errors: list[str] = []
        self.events = 0
        self.finished: set[str] = set()


async def reader(
    session: aiohttp.ClientSession, url: str, ids: list[str], tally: Tally, done: asyncio.Event,
    think_s: tuple[float, float],
) -> None:
    rng = random.Random()
    while not done.is_set():
        movie_id = rng.choice(ids)
        started = time.perf_counter()
        try:
            async with session.get(f"{url}/v1/movies/{movie_id}") as response:
                await response.read()
                if response.status != 200:
                    tally.errors.append(f"GET state: {response.status}")
        except aiohttp.ClientError as exc:
            tally.errors.append(f"GET state: {exc!r}")
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(rng.uniform(*think_s))


async def streamer(
    session: aiohttp.ClientSession, url: str, movie_id: str, tally: Tally
) -> None:
    last = 0
    while True:
        try:
            async with session.get(
                f"{url}/v1/movies/{movie_id}/events?until=build-finished",
                headers={"Last-Event-ID": str(last)},
                timeout=aiohttp.ClientTimeout(total=None, sock_read=60),
            ) as response:
                async for raw in response.content:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("id: "):
                        last = int(line[4:])
                    if line.startswith("data: "):
                        tally.events += 1
                        event = json.loads(line[6:])
                        if event["type"] == "build-finished":
                            tally.finished.add(movie_id)
                            return
        except aiohttp.ClientError as exc:
            tally.errors.append(f"events: {exc!r}")
            await asyncio.sleep(0.1)


async def run(args: argparse.Namespace, url: str, token: str) -> Tally:
    tally = Tally()
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(url, headers=headers, connector=connector) as session:
        ids = []
        for number in range(args.movies):
            async with session.post(
                "/v1/movies", json={"moviefile": moviefile(number, args.scale, args.fake)}
            ) as response:
                body = await response.json()
                if response.status != 201:
                    raise SystemExit(f"create failed: {response.status} {body}")
                ids.append(body["id"])
        started = time.perf_counter()
        done = asyncio.Event()
        think_s = (args.think_ms / 2000, args.think_ms * 1.5 / 1000)
        readers = [
            asyncio.create_task(reader(session, "", ids, tally, done, think_s))
            for _ in range(args.readers)
        ]
        streams = [
            asyncio.create_task(streamer(session, "", ids[i % len(ids)], tally))
            for i in range(args.streams)
        ]
        # Every movie's build must finish; the streams above watch some, this waits for all.
        while True:
            states = []
            for movie_id in ids:
                async with session.get(f"/v1/movies/{movie_id}/builds/b1") as response:
                    states.append((await response.json())["status"])
            if all(s not in ("queued", "running") for s in states):
                break
            await asyncio.sleep(0.5)
        tally.build_s = time.perf_counter() - started  # type: ignore[attr-defined]
        tally.statuses = states  # type: ignore[attr-defined]
        done.set()
        await asyncio.gather(*readers)
        await asyncio.wait_for(asyncio.gather(*streams), 30)
    return tally


def wait_listening(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=20)
    parser.add_argument("--readers", type=int, default=40)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.05, help="simulated latency scale")
    parser.add_argument(
        "--think-ms", type=float, default=200,
        help="mean pause of a reader between requests (uniform from half to 1.5 times)",
    )
    parser.add_argument(
        "--fake", action="store_true",
        help="the fake adapter with simulated latency instead of offline media: measures the "
        "server without the CPU that making media takes",
    )
    parser.add_argument(
        "--database", action="store_true",
        help="build on workers: a throwaway PostgreSQL, --workers workers, serve --database "
        "(implies --fake)",
    )
    parser.add_argument("--workers", type=int, default=2, help="workers with --database")
    parser.add_argument("--poll", type=float, default=0.1,
                        help="the server's and workers' --poll with --database")
    args = parser.parse_args()
    args.fake = args.fake or args.database
    peaks: dict[str, int] = {}
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(tempfile.TemporaryDirectory())
        root = Path(work) / "root"
        _, token = TokenBook(LocalRoot(root)).create("bench")
        port = free_port()
        log = (Path(work) / "server.log").open("wb")
        config = Path(work) / "fake.json"
        config.write_text(json.dumps({"latency_s": FAKE_LATENCY_S}))
        env = {**os.environ, "MOVIEBUILD_FAKE_CONFIG": str(config)}
        command = [sys.executable, "-m", "moviebuild", "serve", "--root", str(root), "--port",
                   str(port), "--max-builds-per-tenant", str(args.movies)]
        workers: list[Any] = []
        if args.database:
            from tests.distributed.cluster import WorkerProcess, create_database
            from tests.distributed.postgres import throwaway_postgres

            database = create_database(stack.enter_context(throwaway_postgres()))
            command += ["--database", database, "--poll", str(args.poll)]
            workers = [
                WorkerProcess(database, root, {"MOVIEBUILD_FAKE_CONFIG": str(config)},
                              Path(work), heartbeat_s=2.0, dead_after_s=15.0, poll_s=args.poll)
                for _ in range(args.workers)
            ]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, env=env)
        assert server.stdout is not None
        server.stdout.readline()
        wait_listening(server, port, Path(work) / "server.log")
        if args.database:
            from tests.distributed.cluster import ConnectionPeaks, database_port

            sampler = ConnectionPeaks([server.pid] + [w.process.pid for w in workers],
                                      database_port(database))
        try:
            tally = asyncio.run(run(args, f"http://127.0.0.1:{port}", token))
        finally:
            if args.database:
                found = sampler.stop()
                peaks["server"] = found[server.pid]
                peaks["worker"] = max(found[w.process.pid] for w in workers)
            for worker in workers:
                worker.stop()
            server.send_signal(signal.SIGTERM)
            server.wait(60)
            server.stdout.close()
            log.close()
            problems = [
                line for line in (Path(work) / "server.log").read_text().splitlines()
                if "ERROR" in line or "Error" in line
            ]
            for line in problems[:20]:
                print("server:", line)
    latencies = sorted(tally.latencies_ms)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    statuses = getattr(tally, "statuses", [])
    making = "fake adapter (no media)" if args.fake else f"offline media, latency x{args.scale}"
    where = (f", on {args.workers} workers (--poll {args.poll})" if args.database
             else ", in the server's process")
    print(f"{args.movies} movies building ({making}{where}), {args.readers} readers "
          f"(pause ~{args.think_ms:.0f} ms) + {args.streams} streams; "
          f"load average {os.getloadavg()[0]:.1f}")
    if peaks:
        print(f"database connections at most: the server {peaks['server']}, "
              f"a worker {peaks['worker']}")
    print(f"builds: {statuses.count('complete')}/{len(statuses)} complete in "
          f"{getattr(tally, 'build_s', 0):.1f} s")
    print(f"GET /v1/movies/{{id}}: {len(latencies)} requests, p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms (target p99 <= 100 ms)")
    print(f"events delivered: {tally.events} over {args.streams} streams "
          f"({len(tally.finished)} saw their build finish)")
    print(f"errors: {len(tally.errors)}" + (f" e.g. {tally.errors[:3]}" if tally.errors else ""))


if __name__ == "__main__":
    main()
