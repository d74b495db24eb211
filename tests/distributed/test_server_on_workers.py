"""``moviebuild serve --database`` on a real PostgreSQL with two ``moviebuild worker`` processes:
six movies submitted through the HTTP API complete, their revisions equal local builds of the
same Moviefiles (same keys, same blobs), the builds' events reach the movie's stream, and
``GET /v1/workers`` lists both workers for an admin token and refuses a tenant's."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.project.movie import Movie
from moviebuild.server.root import LocalRoot
from moviebuild.server.tokens import TokenBook
from tests.distributed.cluster import (
    FAKE,
    ServerProcess,
    WorkerProcess,
    create_database,
    final_jobs,
    job_lines,
)
from tests.server.harness import Http

pytestmark = pytest.mark.cluster

MOVIES = 6
UNFINISHED = ("queued", "running")


def moviefile(number: int) -> dict[str, Any]:
    return {
        "inquiry": f"Tell me about lighthouse number {number}",
        "duration": 20,
        "images_per_segment": 2,
        "providers": FAKE,
    }


def images_made(journal: Path) -> int:
    """Image jobs the journal says are done."""
    text = journal.read_text() if journal.exists() else ""
    lines = [json.loads(line) for line in text.splitlines() if line.endswith("}")]
    return sum(
        1 for line in lines
        if line.get("event") == "end" and line.get("status") == "done"
        and str(line.get("job")).startswith("TextToImageProducer")
    )


def wait_for_builds(http: Http, builds: dict[str, str], timeout_s: float) -> dict[str, Any]:
    """Each movie's build record once it has finished."""
    deadline = time.monotonic() + timeout_s
    done: dict[str, Any] = {}
    while len(done) < len(builds):
        for movie_id, build_id in builds.items():
            if movie_id not in done:
                record = http.get(f"/v1/movies/{movie_id}/builds/{build_id}").json()
                if record["status"] not in UNFINISHED:
                    done[movie_id] = record
        assert time.monotonic() < deadline, f"builds unfinished after {timeout_s} s: {done}"
        time.sleep(0.3)
    return done


def test_six_movies_through_the_http_api_build_on_two_workers_as_they_would_locally(
    postgres_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register()
    database = create_database(postgres_server)
    root, local = tmp_path / "root", tmp_path / "local"
    tenant_token = TokenBook(LocalRoot(root)).create("acme")[1]
    made = CliRunner().invoke(cli, ["token", "create", "--admin", "--root", str(root), "--json"])
    admin_token = json.loads(made.stdout)["token"]
    fake_config = tmp_path / "fake.json"
    fake_config.write_text(json.dumps({"latency_s": {"AudioProducer": 0.1}}))
    env = {"MOVIEBUILD_FAKE_CONFIG": str(fake_config)}
    workers = [WorkerProcess(database, root, env, tmp_path) for _ in range(2)]
    server = ServerProcess(database, root, env, tmp_path)
    try:
        server.wait_ready()
        tenant, admin = Http(server.base_url, tenant_token), Http(server.base_url, admin_token)
        builds = {}
        for number in range(MOVIES):
            created = tenant.post("/v1/movies", {"moviefile": moviefile(number)})
            assert created.status == 201, created.body
            builds[created.json()["id"]] = created.json()["build"]["id"]
        records = wait_for_builds(tenant, builds, 150)
        events = {m: tenant.wait_for_build(m) for m in builds}
        listed, refused = admin.get("/v1/workers"), tenant.get("/v1/workers")
    finally:
        server_code = server.stop()
        codes = [worker.stop() for worker in workers]
    logs = [worker.log_text() for worker in workers] + [server.log_text()]

    monkeypatch.setenv("MOVIEBUILD_FAKE_CONFIG", str(fake_config))
    for movie_id in builds:
        folder = root / "tenants" / "acme" / "movies" / movie_id
        (local / movie_id).mkdir(parents=True)
        (local / movie_id / "Moviefile.yaml").write_bytes((folder / "Moviefile.yaml").read_bytes())
        Movie.open(local / movie_id).build()
        assert final_jobs(folder) == final_jobs(local / movie_id), movie_id
    assert [r["status"] for r in records.values()] == ["complete"] * MOVIES, (records, logs)
    assert all(r["revision"] == 1 and r["report"]["ran"] for r in records.values())
    for movie_id, stream in events.items():
        kinds = [event["type"] for event in stream]
        assert kinds[0] == "build-started" and kinds[-1] == "build-finished", kinds
        assert "job-started" in kinds and "job-finished" in kinds
        assert all(event["build"] == builds[movie_id] for event in stream)
    assert listed.status == 200, listed.body
    assert listed.json()["backend"] == "cluster"
    assert {w["id"] for w in listed.json()["workers"]} == {w.executor_id for w in workers}
    assert refused.status == 403
    assert codes == [0, 0] and server_code == 0, logs
    # Which worker dequeues which call is DBOS's choice (one may take them all on a quiet
    # machine), so the test asks that the workers ran the calls, not how they split them.
    assert any(job_lines(log) for log in logs[:2]), "the workers ran the calls"


def test_cancelling_a_build_on_a_worker_stops_it_after_its_calls_in_flight(
    postgres_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = create_database(postgres_server)
    root = tmp_path / "root"
    token = TokenBook(LocalRoot(root)).create("acme")[1]
    calls = tmp_path / "calls.log"
    fake_config = tmp_path / "fake.json"
    fake_config.write_text(json.dumps({"latency_s": {"TextToImageProducer": 0.5},
                                       "call_log": str(calls)}))
    env = {"MOVIEBUILD_FAKE_CONFIG": str(fake_config)}
    slow = {**moviefile(0), "duration": 60, "images_per_segment": 3,
            "limits": {"fake:image": {"concurrent": 2}}}
    worker = WorkerProcess(database, root, env, tmp_path)
    server = ServerProcess(database, root, env, tmp_path)
    try:
        server.wait_ready()
        http = Http(server.base_url, token)
        created = http.post("/v1/movies", {"moviefile": slow}).json()
        movie_id, build_id = created["id"], created["build"]["id"]
        folder = root / "tenants" / "acme" / "movies" / movie_id
        deadline = time.monotonic() + 60
        while not images_made(folder / ".moviebuild" / "journal" / "1.jsonl"):
            assert time.monotonic() < deadline, "no image was made"
            time.sleep(0.1)
        cancelled = http.post(f"/v1/movies/{movie_id}/builds/{build_id}/cancel")
        too_soon = http.post(f"/v1/movies/{movie_id}/builds")
        record = wait_for_builds(http, {movie_id: build_id}, 60)[movie_id]
        # The record says cancelled once the worker let go: the revision is written by then.
        head_when_cancelled = (folder / ".moviebuild" / "HEAD").exists()
        calls_when_cancelled = calls.read_text().splitlines()
        time.sleep(1.0)  # nothing of the cancelled build starts afterwards
        calls_later = calls.read_text().splitlines()
        again = http.post(f"/v1/movies/{movie_id}/builds")
        assert again.status == 202, again.body
        second = wait_for_builds(http, {movie_id: again.json()["build"]["id"]}, 120)[movie_id]
    finally:
        server.stop()
        worker.stop()
    logs = worker.log_text() + server.log_text()

    assert cancelled.status == 202, cancelled.body
    assert too_soon.status == 409, "a build posted at once waits for the cancelled one to let go"
    assert record["status"] == "cancelled", logs
    assert head_when_cancelled, "cancelled only after the interrupted revision was written"
    assert calls_later == calls_when_cancelled
    manifest = json.loads((folder / ".moviebuild" / "revisions" / "1.json").read_text())
    made = [j for j, e in manifest["jobs"].items()
            if j.startswith("TextToImageProducer") and e["status"] == "done"]
    monkeypatch.setenv("MOVIEBUILD_FAKE_CONFIG", str(fake_config))
    planned = [p.job.id for p in Movie.open(folder).make_plan().jobs
               if str(p.job.id).startswith("TextToImageProducer")]
    assert manifest["interrupted"] is True, logs
    assert 0 < len(made) < len(planned), (made, planned)
    # Every image call that started before the cancel finished and is in the revision: none
    # has a start without an end, and none is made again by the next build.
    image_calls = [c for c in calls_later if c.startswith("TextToImageProducer")]
    assert sorted(image_calls) == sorted(made), (image_calls, made)
    assert second["status"] == "complete", logs
    assert second["report"]["ran"]["TextToImageProducer"] == len(planned) - len(made)
    all_images = [c for c in calls.read_text().splitlines()
                  if c.startswith("TextToImageProducer")]
    assert len(all_images) == len(set(all_images)) == len(planned), "each image paid once"
    assert "cancelled: stopping after the calls in flight" in logs
