"""PostgreSQL restarts under two running workers and a submitter: the workers wait for it (no
exit, no worker taken for dead by another because every row went silent at once), the builds in
flight go on, every movie completes, and each image is paid once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from moviebuild.distributed.backend import ClusterBackend
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.workflows import BuildTicket
from moviebuild.providers.endpoints import POLL_INTERVAL_ENV
from tests.distributed.cluster import (
    FAKE,
    RecordingReplicate,
    WorkerProcess,
    create_database,
    outcome,
    write_movie,
)
from tests.distributed.postgres import Postgres, PostgresUnavailable, throwaway_cluster
from tests.distributed.test_two_workers import wait_all

pytestmark = pytest.mark.cluster

MOVIES = 4
PROVIDERS = {**FAKE, "image": {"adapter": "replicate"}}
#: Longer than the workers' --dead-after: a worker that took every silent row for dead after the
#: restart would claim the other.
OUTAGE_S = 8.0
DEAD_AFTER_S = 3.0


@pytest.fixture
def own_postgres() -> Iterator[Postgres]:
    """A cluster of this test's own, since it is stopped and started again."""
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(throwaway_cluster())
        except PostgresUnavailable as exc:
            pytest.fail(f"this test needs PostgreSQL: {exc}")
        yield cluster


def test_workers_ride_out_a_database_restart_and_every_build_completes(
    own_postgres: Postgres, tmp_path: Path
) -> None:
    database = create_database(own_postgres.url)
    root = tmp_path / "movies"
    for number in range(MOVIES):
        write_movie(root / f"m{number}", number, providers=PROVIDERS,
                    limits={"replicate": {"concurrent": 2}})
    fake_config = tmp_path / "fake.json"
    fake_config.write_text(json.dumps({"latency_s": {"AudioProducer": 0.3}}))
    with RecordingReplicate(polls_to_finish=4) as replicate:
        env = {**replicate.environment(), POLL_INTERVAL_ENV: "0.2",
               "MOVIEBUILD_FAKE_CONFIG": str(fake_config)}
        workers = [WorkerProcess(database, root, env, tmp_path, dead_after_s=DEAD_AFTER_S)
                   for _ in range(2)]
        backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05))
        try:
            ids = [f"build-m{n}" for n in range(MOVIES)]
            for number, build_id in enumerate(ids):
                backend.start(build_id, BuildTicket(f"m{number}"))
            deadline = time.monotonic() + 120
            while replicate.counters["submissions"] < 2:
                assert time.monotonic() < deadline, "no image was asked for"
                time.sleep(0.05)
            own_postgres.stop()
            submitted_at_stop = replicate.counters["submissions"]
            time.sleep(OUTAGE_S)
            alive_in_outage = [w.process.poll() is None for w in workers]
            own_postgres.start()
            answers = asyncio.run(wait_all(backend, ids, 240))
            rows = backend.workers()
        finally:
            codes = [worker.stop() for worker in workers]
            backend.close()
        logs = "".join(worker.log_text() for worker in workers)

    assert submitted_at_stop < MOVIES * 2 * 2, "the restart came while images were asked for"
    assert alive_in_outage == [True, True], logs
    assert [outcome(a.answer) for a in answers] == ["complete"] * MOVIES, logs
    assert replicate.counters["submissions"] == MOVIES * 2 * 2, "each image paid once"
    assert "could not beat" in logs, "the workers did see the database go"
    # Nobody took a live worker for dead once every row had gone silent together (a stopped
    # worker's row is claimed at the end, with nothing left to recover).
    assert "taken for dead" not in logs, logs
    assert not re.search(r"recovered [1-9]", logs), logs
    assert {row.state for row in rows} == {"running"} and all(
        row.recovered_by is None for row in rows
    )
    assert codes == [0, 0], logs
