"""Two ``moviebuild worker`` processes on a real PostgreSQL build six movies: every build
completes, each revision equals a local build of the same Moviefile (same keys, same blobs), the
Replicate pool's limits hold across both workers together, and a throttled call is retried as a
new dequeue of the pool's queue (so its rate limiter counts the retry)."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from moviebuild.distributed.backend import BuildStatus, ClusterBackend
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.workflows import BuildTicket
from moviebuild.project.movie import Movie
from moviebuild.providers.endpoints import POLL_INTERVAL_ENV
from moviebuild.testing.emulators import FaultKind
from tests.distributed.cluster import (
    FAKE,
    RecordingReplicate,
    WorkerProcess,
    create_database,
    final_jobs,
    job_lines,
    outcome,
    set_limit,
    write_movie,
)

pytestmark = pytest.mark.cluster

MOVIES = 6
LIMITS = {"replicate": {"concurrent": 2, "requests_per_minute": 30}}
PROVIDERS = {**FAKE, "image": {"adapter": "replicate"}}


async def wait_all(backend: ClusterBackend, ids: list[str], timeout_s: float) -> list[BuildStatus]:
    return list(await asyncio.gather(*(backend.wait(b, timeout_s) for b in ids)))


def test_six_movies_on_two_workers_equal_local_builds_within_the_pool_limits(
    postgres_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = create_database(postgres_server)
    set_limit(database, "replicate", 2, 30)  # the operator's; the Moviefiles ask the same
    root, local = tmp_path / "movies", tmp_path / "local"
    for number in range(MOVIES):
        write_movie(root / f"m{number}", number, providers=PROVIDERS, limits=LIMITS)
        shutil.copytree(root / f"m{number}", local / f"m{number}")
    fake_config = tmp_path / "fake.json"
    fake_config.write_text(json.dumps({"latency_s": {"AudioProducer": 0.1}}))
    with RecordingReplicate(polls_to_finish=2) as replicate:
        replicate.faults.add("create", FaultKind.RATE_LIMIT, retry_after="0.2")
        env = {
            **replicate.environment(),
            POLL_INTERVAL_ENV: "0.05",
            "MOVIEBUILD_FAKE_CONFIG": str(fake_config),
        }
        workers = [WorkerProcess(database, root, env, tmp_path) for _ in range(2)]
        backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05))
        try:
            ids = [f"build-m{n}" for n in range(MOVIES)]
            for number, build_id in enumerate(ids):
                backend.start(build_id, BuildTicket(f"m{number}"))
            answers = asyncio.run(wait_all(backend, ids, 150))
            rows = backend.workers()
            image_calls = [
                status.workflow_id
                for status in backend.client.list_workflows(
                    queue_name="moviebuild-pool-replicate", load_input=False, load_output=False
                )
            ]
        finally:
            codes = [worker.stop() for worker in workers]
            backend.close()
        remote_calls = replicate.counters["submissions"]
        remote_creates = replicate.counters["create"]
        most_in_flight, most_per_minute = replicate.max_in_flight, replicate.max_per_minute
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        for number in range(MOVIES):
            Movie.open(local / f"m{number}").build()
        logs = [worker.log_text() for worker in workers]

    assert [outcome(a.answer) for a in answers] == ["complete"] * MOVIES, logs
    assert codes == [0, 0], logs
    for number in range(MOVIES):
        assert final_jobs(root / f"m{number}") == final_jobs(local / f"m{number}")
    images = MOVIES * 2 * 2
    assert remote_calls == images
    assert remote_creates == images + 1, "one create was throttled (429)"
    retried = [call for call in image_calls if call.endswith("/2")]
    assert len(retried) == 1 and len(image_calls) == images + 1
    assert most_in_flight == 2  # the limit, reached and never passed
    assert most_per_minute <= 30
    # Which worker dequeues which call is DBOS's choice (one may take them all on a quiet
    # machine), so the test asks that the workers ran the calls, not how they split them.
    assert any(job_lines(log) for log in logs), "the workers ran the calls"
    assert {row.executor_id for row in rows} == {w.executor_id for w in workers}
