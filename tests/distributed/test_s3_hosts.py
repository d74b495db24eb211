"""Workers on several hosts with no shared folder: ``moviebuild serve --database --root s3://...``
and ``moviebuild worker --root s3://... --cache DIR`` on moto's S3 server, each process with a
cache folder of its own. Movies complete; a SIGKILLed worker's builds are finished by a worker
with another cache without paying a finished call again; an edit built on one worker is where
the next build on the other starts (its stale cache never reverts it)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moviebuild.distributed.backend import ClusterBackend
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.providers.endpoints import POLL_INTERVAL_ENV
from moviebuild.server.s3root import S3Root
from moviebuild.server.tokens import TokenBook
from moviebuild.testing.s3server import S3Server
from tests.distributed.cluster import (
    FAKE,
    RecordingReplicate,
    ServerProcess,
    WorkerProcess,
    free_port,
    stored_jobs,
)
from tests.distributed.cluster import create_database as new_database
from tests.distributed.test_server_on_workers import moviefile as fake_moviefile
from tests.distributed.test_server_on_workers import wait_for_builds
from tests.distributed.test_worker_killed import polled_in_flight
from tests.server.harness import Http

pytestmark = pytest.mark.cluster

MOVIES = 3
PROVIDERS = {**FAKE, "image": {"adapter": "replicate"}}
LIMITS = {"replicate": {"concurrent": 3}}
#: Long enough that a live worker is never taken for dead on a loaded machine; only the killed
#: one goes silent.
DEAD_AFTER_S = 6.0
DOC = Path(__file__).resolve().parents[2] / "docs" / "scale-out.md"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    with S3Server() as server:
        yield server


def moviefile(number: int) -> dict[str, Any]:
    return {
        "inquiry": f"Tell me about lighthouse number {number}",
        "duration": 20,
        "images_per_segment": 2,
        "providers": PROVIDERS,
        "limits": LIMITS,
    }


def _wait_for(condition: Any, timeout_s: float, what: str, logs: Any) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{logs()}")
        time.sleep(0.05)


def movie_jobs(s3: S3Server, bucket: str, movie_id: str) -> dict[str, Any]:
    """Each job of the movie's HEAD revision on S3: key, outputs, status."""
    return stored_jobs(s3.client(), bucket, f"movies/tenants/acme/movies/{movie_id}/store")


def finished_fake_jobs(backend: ClusterBackend) -> int:
    """Calls whose answer reached the database (images are Replicate's, not the fake's)."""
    return len([
        status for status in backend.client.list_workflows(
            name="moviebuild.job", status="SUCCESS", load_input=False
        )
        if "TextToImageProducer" not in status.workflow_id
    ])


def test_workers_on_several_hosts_share_only_s3_and_the_database(
    postgres_server: str, s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = new_database(postgres_server)
    bucket = f"fleet-{uuid.uuid4().hex[:10]}"
    s3_server.create_bucket(bucket)
    url = f"s3://{bucket}/movies"
    for key, value in s3_server.env().items():
        monkeypatch.setenv(key, value)
    token = TokenBook(S3Root(url, tmp_path / "cache-setup")).create("acme")[1]
    calls = tmp_path / "fake-calls.log"
    fake_config = tmp_path / "fake.json"
    fake_config.write_text(
        json.dumps({"latency_s": {"AudioProducer": 0.3}, "call_log": str(calls)})
    )

    def worker(name: str, cache: str) -> WorkerProcess:
        started = WorkerProcess(
            database, url, env, tmp_path, executor_id=name, dead_after_s=DEAD_AFTER_S,
            extra=("--cache", str(tmp_path / cache)),
        )
        processes.append(started)
        return started

    def logs() -> str:
        everyone: list[WorkerProcess | ServerProcess] = [*processes, server]
        return "\n".join(p.log_text() for p in everyone)

    processes: list[WorkerProcess] = []
    with RecordingReplicate(polls_to_finish=4) as replicate:
        env = {
            **s3_server.env(), **replicate.environment(), POLL_INTERVAL_ENV: "0.1",
            "MOVIEBUILD_FAKE_CONFIG": str(fake_config),
        }
        server = ServerProcess(database, url, env, tmp_path,
                               extra=("--cache", str(tmp_path / "cache-server")))
        backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05))
        try:
            server.wait_ready()
            http = Http(server.base_url, token)
            first = worker("a", "cache-a")
            builds = {}
            for number in range(MOVIES):
                created = http.post("/v1/movies", {"moviefile": moviefile(number)})
                assert created.status == 201, created.body
                builds[created.json()["id"]] = created.json()["build"]["id"]

            # Worker a is killed with predictions in flight; worker b, with a cache of its own,
            # finds it silent and finishes its builds.
            _wait_for(lambda: replicate.counters["submissions"] >= 3
                      and polled_in_flight(replicate), 90, "a prediction polled in flight", logs)
            first.kill()
            in_flight = {i: replicate.predictions[i].polls for i in polled_in_flight(replicate)}
            unpolled = [i for i in replicate.unfinished() if replicate.predictions[i].polls == 0]
            calls_at_kill = len(calls.read_text().splitlines()) if calls.exists() else 0
            finished_at_kill = finished_fake_jobs(backend)
            second = worker("b", "cache-b")
            records = wait_for_builds(http, builds, 150)
            fake_calls = calls.read_text().splitlines()
            heads = {movie_id: movie_jobs(s3_server, bucket, movie_id) for movie_id in builds}
            assert second.stop() == 0, logs()
            upload = http.call("PUT", f"/v1/movies/{next(iter(builds))}/files/Image", raw=b"x")

            # An edit built on a (its cache last saw the killed build), then a plain build on b
            # (its cache holds the revision before the edit).
            movie_id = next(iter(builds))
            prompts = http.get(f"/v1/movies/{movie_id}/prompts").json()["prompts"]
            prompt = next(p["id"] for p in prompts if p["id"].startswith("SegmentImagePrompt"))
            again = worker("a-again", "cache-a")
            edit = http.post(f"/v1/movies/{movie_id}/builds",
                             {"overrides": {prompt: "a red lighthouse at dusk"}})
            assert edit.status == 202, edit.body
            edited = wait_for_builds(http, {movie_id: edit.json()["build"]["id"]}, 90)[movie_id]
            assert again.stop() == 0, logs()
            worker("b-again", "cache-b")
            plain = http.post(f"/v1/movies/{movie_id}/builds", {})
            assert plain.status == 202, plain.body
            rebuilt = wait_for_builds(http, {movie_id: plain.json()["build"]["id"]}, 90)[movie_id]
            shown = http.get(f"/v1/movies/{movie_id}/prompts").json()["prompts"]
        finally:
            server_code = server.stop()
            codes = [p.stop() for p in processes if p.process.poll() is None]
            backend.close()
    text = logs()

    assert [r["status"] for r in records.values()] == ["complete"] * MOVIES, text
    assert "recovered" in text and "of a" in text, text
    for movie_id, jobs in heads.items():
        assert {status for _key, _outputs, status in jobs.values()} == {"done"}, movie_id
    # Predictions polled before the kill were resumed by their ids, never created again; only
    # a create the kill cut off before its answer (no id yet) may be paid twice.
    assert in_flight, "the kill caught a polled prediction in flight"
    for prediction_id, polls in in_flight.items():
        assert replicate.predictions[prediction_id].status == "succeeded"
        assert replicate.predictions[prediction_id].polls > polls
    images = MOVIES * 2 * 2
    assert replicate.counters["submissions"] <= images + 1 + len(unpolled), text
    # A fake call that finished before the kill was never made again: only calls the kill cut
    # off may have run twice.
    fake_jobs = sum(
        1 for jobs in heads.values() for job in jobs
        if not job.startswith(("TextToImageProducer", "TimelineAssembler"))
    )
    assert len(fake_calls) - fake_jobs <= calls_at_kill - finished_at_kill, text
    # The edit was built on a; b started from it: nothing to run, the edit kept.
    assert edited["status"] == "complete" and edited["report"]["ran"], (edited, text)
    assert rebuilt["status"] == "complete", (rebuilt, text)
    assert rebuilt["report"]["ran"] == {}, (rebuilt["report"], text)
    assert rebuilt["revision"] >= edited["revision"]
    assert next(p for p in shown if p["id"] == prompt)["text"] == "a red lighthouse at dusk"
    # A file of yours would stay in the server's cache, which no worker reads: refused.
    assert upload.status == 409 and "S3 root" in upload.body.decode(), upload.body
    assert server_code == 0 and all(code == 0 for code in codes), text


def doc_commands() -> list[str]:
    """The command lines of docs/scale-out.md's "Workers on several hosts with an S3 root"."""
    text = DOC.read_text().split("## Workers on several hosts with an S3 root", 1)[1]
    return [line.split("   #")[0].strip() for line in text.split("```")[1].strip().splitlines()]


def test_a_fleet_on_an_s3_root_started_with_the_docs_commands_builds_movies(
    postgres_server: str, s3_server: S3Server, tmp_path: Path
) -> None:
    database = new_database(postgres_server)
    bucket = f"docs-{uuid.uuid4().hex[:10]}"
    s3_server.create_bucket(bucket)
    url = f"s3://{bucket}/fleet"
    exports, (token_line, serve_line, worker_line) = doc_commands()[:2], doc_commands()[2:]
    assert [line.split()[1].split("=")[0] for line in exports] == [
        "MOVIEBUILD_DATABASE", "AWS_ENDPOINT_URL"
    ]
    assert "AWS_ACCESS_KEY_ID=" in exports[1] and "AWS_SECRET_ACCESS_KEY=" in exports[1]

    def adapt(line: str, cache: str = "") -> str:
        line = line.replace("s3://films/fleet", url)
        return line.replace("/var/cache/moviebuild", str(tmp_path / cache)) if cache else line

    # What the two export lines set, for this test's database and S3 server.
    env = {
        **os.environ, **s3_server.env(), "MOVIEBUILD_DATABASE": database,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    made = subprocess.run(adapt(token_line), shell=True, env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    found = re.search(r"mbt_\S+", made.stdout)
    assert found is not None, made.stdout
    port = free_port()
    commands = {
        "serve": adapt(serve_line, "cache-server") + f" --port {port}",
        "w1": adapt(worker_line, "cache-w1"),
        "w2": adapt(worker_line, "cache-w2"),
    }
    started: dict[str, subprocess.Popen[bytes]] = {}

    def logs() -> str:
        return "\n".join((tmp_path / f"{n}.log").read_text(errors="replace") for n in started)

    try:
        for name, command in commands.items():
            with (tmp_path / f"{name}.log").open("wb") as log:
                started[name] = subprocess.Popen(
                    "exec " + command, shell=True, env=env, stdout=log, stderr=subprocess.STDOUT
                )
        http = Http(f"http://127.0.0.1:{port}", found.group(0))
        _wait_for(lambda: _answers(http.base_url), 60, "the server", logs)
        builds = {}
        for number in range(2):
            created = http.post("/v1/movies", {"moviefile": fake_moviefile(number)})
            assert created.status == 201, created.body
            builds[created.json()["id"]] = created.json()["build"]["id"]
        records = wait_for_builds(http, builds, 120)
    finally:
        for process in started.values():
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=60) for process in started.values()]

    assert [r["status"] for r in records.values()] == ["complete", "complete"], logs()
    assert codes == [0, 0, 0], logs()
    # The builds ran in a worker's own cache, not in the server's folders.
    assert any((tmp_path / cache / "tenants").is_dir() for cache in ("cache-w1", "cache-w2"))


def _answers(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/v1/openapi.json", timeout=5):
            return True
    except OSError:
        return False
