"""The chaos run of a fleet, shared by ``bench/chaos.py`` (12 movies) and
``tests/distributed/test_chaos.py`` (the small form): serve + three workers on a restartable
throwaway PostgreSQL, movies with images on the Replicate emulator submitted over HTTP, and while
they build a worker paused past ``--dead-after``, a PostgreSQL restart, a worker SIGKILLed and
the server SIGKILLed and started again. With ``s3`` the root is ``s3://<bucket>/fleet`` on that
(moto) server and every process has a cache folder of its own. ``run`` returns the counts the
bench prints."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moviebuild.project.movie import Movie
from moviebuild.providers.endpoints import POLL_INTERVAL_ENV
from moviebuild.server.root import LocalRoot, MovieRoot
from moviebuild.server.tokens import TokenBook
from moviebuild.testing.s3server import S3Server
from tests.distributed.cluster import (
    FAKE,
    RecordingReplicate,
    ServerProcess,
    WorkerProcess,
    create_database,
    final_jobs,
    set_limit,
    stored_jobs,
)
from tests.distributed.postgres import Postgres
from tests.server.harness import Http

LIMIT = 3
DEAD_AFTER_S = 4.0
PROVIDERS = {**FAKE, "image": {"adapter": "replicate"}}


def moviefile(number: int) -> dict[str, Any]:
    return {"inquiry": f"Tell me about lighthouse number {number}", "duration": 20,
            "images_per_segment": 2, "providers": PROVIDERS,
            "limits": {"replicate": {"concurrent": LIMIT}}}


def _wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)


class _Root:
    """Where the fleet keeps its movies: a folder every process shares, or an S3 root with a
    cache folder per process."""

    def __init__(self, work: Path, s3: S3Server | None) -> None:
        self.work, self.s3 = work, s3
        self.bucket = ""
        self.location: Path | str = work / "root"
        self.env: dict[str, str] = {}
        if s3 is not None:
            self.bucket = f"chaos-{os.getpid()}-{int(time.time())}"
            s3.create_bucket(self.bucket)
            self.location = f"s3://{self.bucket}/fleet"
            self.env = s3.env()
            os.environ.update(self.env)  # this process reads the root too (tokens, revisions)

    def opened(self) -> MovieRoot:
        if self.s3 is None:
            return LocalRoot(self.work / "root")
        from moviebuild.server.s3root import S3Root

        return S3Root(str(self.location), self.work / "cache-bench")

    def cache(self, name: str) -> tuple[str, ...]:
        return () if self.s3 is None else ("--cache", str(self.work / f"cache-{name}"))

    def moviefile(self, movie_id: str) -> str:
        """The movie's Moviefile as created, without its ``store:`` (for a local build)."""
        import yaml

        text = self.opened().listed_moviefile("acme", movie_id) or ""
        data = yaml.safe_load(text)
        if "store" not in data:
            return text
        del data["store"]
        return yaml.safe_dump(data, sort_keys=False)

    def jobs(self, movie_id: str) -> dict[str, Any]:
        if self.s3 is None:
            return final_jobs(self.work / "root" / "tenants" / "acme" / "movies" / movie_id)
        store = f"fleet/tenants/acme/movies/{movie_id}/store"
        return stored_jobs(self.s3.client(), self.bucket, store)


def run(
    postgres: Postgres, movies: int, work: Path, s3: S3Server | None = None
) -> dict[str, Any]:
    database = create_database(postgres.url)
    set_limit(database, "replicate", LIMIT)  # the operator's limit of the account
    where = _Root(work, s3)
    root, local = where.location, work / "local"
    token = TokenBook(where.opened()).create("acme")[1]
    calls = work / "fake-calls.log"
    fake_config = work / "fake.json"
    fake_config.write_text(json.dumps({"latency_s": {"AudioProducer": 0.3},
                                       "call_log": str(calls)}))
    events: list[str] = []
    with RecordingReplicate(polls_to_finish=5) as replicate:
        env = {**replicate.environment(), POLL_INTERVAL_ENV: "0.2",
               "MOVIEBUILD_FAKE_CONFIG": str(fake_config), **where.env}
        workers = [WorkerProcess(database, root, env, work, executor_id=f"w{n}",
                                 dead_after_s=DEAD_AFTER_S, extra=where.cache(f"w{n}"))
                   for n in range(3)]
        server = ServerProcess(database, root, env, work, max_builds_per_tenant=movies,
                               extra=where.cache("server"))
        images = movies * 2 * 2
        try:
            server.wait_ready()
            http = Http(server.base_url, token)
            builds: dict[str, str] = {}
            for number in range(movies):
                created = http.post("/v1/movies", {"moviefile": moviefile(number)}).json()
                builds[created["id"]] = created["build"]["id"]

            def created_count() -> int:
                return int(replicate.counters["submissions"])

            _wait(lambda: created_count() >= images // 6, 120, "the first images")
            workers[0].process.send_signal(signal.SIGSTOP)
            events.append(f"SIGSTOP w0 at {created_count()} images")
            time.sleep(DEAD_AFTER_S * 2.5)
            workers[0].process.send_signal(signal.SIGCONT)
            events.append(f"SIGCONT w0 at {created_count()} images")
            time.sleep(1.0)
            postgres.stop()
            events.append(f"PostgreSQL stopped at {created_count()} images")
            time.sleep(5.0)
            postgres.start()
            events.append("PostgreSQL started")
            _wait(lambda: created_count() >= images // 2, 180, "half the images")
            workers[1].kill()
            events.append(f"SIGKILL w1 at {created_count()} images")
            time.sleep(1.0)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            events.append(f"SIGKILL server at {created_count()} images")
            server = ServerProcess(database, root, env, work, max_builds_per_tenant=movies,
                                   extra=where.cache("server"))
            server.wait_ready()
            http = Http(server.base_url, token)
            records = _wait_for_builds(http, builds, 300)
        finally:
            workers[0].process.send_signal(signal.SIGCONT)
            server.stop()
            codes = {w.executor_id: w.stop() if w.process.poll() is None else w.process.returncode
                     for w in workers}
        most_in_flight = replicate.max_in_flight
        predictions = replicate.counters["submissions"]
        cancels = replicate.counters["cancels"]
        made = [f"{p.id} {p.status} polls={p.polls} {p.created_at} {p.input.get('prompt')}"
                for p in replicate.predictions.values()]
        logs = "".join(w.log_text() for w in workers)
        os.environ.update(env)  # the local builds call the same emulator
        fake_calls = len(calls.read_text().splitlines())
        equal = 0
        fake_jobs = 0
        for movie_id in builds:
            copy = local / movie_id
            copy.mkdir(parents=True)
            (copy / "Moviefile.yaml").write_text(where.moviefile(movie_id))
            jobs = where.jobs(movie_id)
            fake_jobs += sum(1 for job in jobs
                             if not job.startswith(("TextToImageProducer", "TimelineAssembler")))
            Movie.open(copy).build()
            equal += final_jobs(copy) == jobs
    return {
        "root": "s3" if s3 is not None else "folder",
        "movies": movies,
        "complete": sum(1 for r in records.values() if r["status"] == "complete"),
        "equal_to_local_build": equal,
        "images": images,
        "predictions_created": predictions,
        "predictions_created_twice": predictions - images,
        "fake_calls_beyond_jobs": fake_calls - fake_jobs,
        "predictions_cancelled": cancels,
        "creates_logged_as_possibly_paid_twice": logs.count("may be paid twice"),
        "lost_creates_found": logs.count("created by an earlier run"),
        "predictions_resumed": logs.count("resuming replicate prediction"),
        "max_predictions_in_flight": most_in_flight,
        "limit": LIMIT,
        "worker_exit_codes": codes,
        "events": events,
        "predictions": made if predictions > images else [],
    }


def _wait_for_builds(http: Http, builds: dict[str, str], timeout_s: float) -> dict[str, Any]:
    done: dict[str, Any] = {}

    def finished() -> bool:
        for movie_id, build_id in builds.items():
            if movie_id not in done:
                record = http.get(f"/v1/movies/{movie_id}/builds/{build_id}").json()
                if record["status"] not in ("queued", "running"):
                    done[movie_id] = record
        return len(done) == len(builds)

    _wait(finished, timeout_s, "every build")
    return done


