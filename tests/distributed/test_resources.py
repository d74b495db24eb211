"""What a worker holds of the database: with ``--db-connections 2`` it builds six movies with at
most 2 + 6 connections (DBOS's pool, its LISTEN connection, the dispatcher's, its LISTEN for
answers, the heartbeat, the build leases, the limits), counted by PostgreSQL itself while the
builds run; and how often the fleet polls each queue (``--poll`` x the live workers per
worker)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from moviebuild.distributed.backend import ClusterBackend
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.workflows import BuildTicket
from tests.distributed.cluster import (
    WorkerProcess,
    create_database,
    outcome,
    set_limit,
    write_movie,
)

pytestmark = pytest.mark.cluster


def test_a_worker_keeps_to_its_connections_while_it_builds(
    postgres_server: str, tmp_path: Path
) -> None:
    database = create_database(postgres_server)
    name = database.rsplit("/", 1)[1]
    root = tmp_path / "movies"
    for number in range(6):
        write_movie(root / f"m{number}", number, duration=40, images_per_segment=3)
    fake_config = tmp_path / "fake.json"
    fake_config.write_text(json.dumps({"latency_s": {"TextToImageProducer": 0.2}}))
    samples: list[dict[str, int]] = []
    done = threading.Event()

    def count() -> None:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            while not done.wait(0.05):
                rows = conn.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity "
                    "WHERE datname = %s GROUP BY 1", (name,),
                ).fetchall()
                samples.append({str(app): int(n) for app, n in rows})

    counter = threading.Thread(target=count)
    counter.start()
    worker = WorkerProcess(database, root, {"MOVIEBUILD_FAKE_CONFIG": str(fake_config)},
                           tmp_path, extra=("--db-connections", "2"))
    backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05, db_connections=1))
    try:
        ids = [f"b{n}" for n in range(6)]
        for number, build_id in enumerate(ids):
            backend.start(build_id, BuildTicket(f"m{number}"))

        async def wait() -> list[str]:
            answers = await asyncio.gather(*(backend.wait(b, 150) for b in ids))
            return [str(outcome(a.answer)) for a in answers]

        statuses = asyncio.run(wait())
    finally:
        backend.close()
        code = worker.stop()
        done.set()
        counter.join()

    assert statuses == ["complete"] * 6, worker.log_text()
    assert code == 0
    named = f"moviebuild-worker-{worker.executor_id}"
    assert max(s.get(named, 0) for s in samples) <= 2 + 1, "its pool and its LISTEN connection"
    assert max(s.get(f"moviebuild-upkeep-{worker.executor_id}", 0) for s in samples) <= 1
    assert max(s.get(f"moviebuild-endings-{worker.executor_id}", 0) for s in samples) == 1
    # The worker's 8 at most, and the test's own client (1).
    busiest = max(samples, key=lambda s: sum(s.values()))
    assert sum(busiest.values()) <= 8 + 1, busiest


def _intervals(database: str) -> dict[str, float]:
    with psycopg.connect(database) as conn:
        try:
            rows = conn.execute(
                "SELECT name, polling_interval_sec FROM dbos.queues "
                "WHERE name LIKE 'moviebuild-%'"
            ).fetchall()
        except psycopg.errors.UndefinedTable:  # no worker has launched DBOS yet
            return {}
    return {str(name): float(interval) for name, interval in rows}


def _wait_for(check: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout_s:.0f} s: {what}"
        time.sleep(0.1)


def test_the_fleet_polls_each_queue_at_the_same_rate_whatever_its_size(
    postgres_server: str, tmp_path: Path
) -> None:
    database = create_database(postgres_server)
    set_limit(database, "fake:image", 3)
    pool = "moviebuild-pool-fake:image"
    first = WorkerProcess(database, tmp_path, {}, tmp_path, poll_s=0.1)
    second: WorkerProcess | None = None
    try:
        _wait_for(lambda: _intervals(database).get(pool) == 0.1, "one worker polls every --poll")
        second = WorkerProcess(database, tmp_path, {}, tmp_path, poll_s=0.1)
        _wait_for(lambda: _intervals(database).get(pool) == 0.2,
                  "two workers each poll every 2 x --poll")
        # The fleet looks at the builds queue once a second at most: each worker every 2 s.
        _wait_for(lambda: _intervals(database).get("moviebuild-builds") == 2.0,
                  "two workers each poll the builds every 2 s")
        assert second.stop() == 0
        _wait_for(lambda: _intervals(database).get(pool) == 0.1,
                  "the one left polls every --poll again")
        _wait_for(lambda: _intervals(database).get("moviebuild-builds") == 1.0,
                  "the one left polls the builds every second")
    finally:
        if second is not None:
            second.stop()
        code = first.stop()
    assert code == 0, first.log_text()
