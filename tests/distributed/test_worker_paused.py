"""A worker paused (SIGSTOP) past ``--dead-after`` in the middle of its builds: another claims it
and finishes them, the paused one, once resumed, starts no call and writes nothing for the
builds it lost, rejoins and lives on; no build records a lock conflict, and no prediction is
created twice except one whose create the pause cut off."""

from __future__ import annotations

import asyncio
import json
import signal
import time
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
from tests.distributed.test_two_workers import wait_all
from tests.distributed.test_worker_killed import _wait_for

pytestmark = pytest.mark.cluster

MOVIES = 4
PROVIDERS = {**FAKE, "image": {"adapter": "replicate"}}
# Long enough that the worker left running is not itself taken for dead when the machine is
# loaded (the suite runs beside this test): at 3 s a full run saw extra claims and 3 predictions
# beyond the bound.
DEAD_AFTER_S = 6.0


def test_a_paused_worker_is_fenced_its_builds_finish_elsewhere_and_it_rejoins(
    postgres_server: str, tmp_path: Path
) -> None:
    database = create_database(postgres_server)
    root = tmp_path / "movies"
    for number in range(MOVIES):
        write_movie(root / f"m{number}", number, providers=PROVIDERS,
                    limits={"replicate": {"concurrent": 3}})
    fake_config = tmp_path / "fake.json"
    fake_config.write_text(json.dumps({"latency_s": {"AudioProducer": 0.3}}))
    with RecordingReplicate(polls_to_finish=6) as replicate:
        env = {**replicate.environment(), POLL_INTERVAL_ENV: "0.2",
               "MOVIEBUILD_FAKE_CONFIG": str(fake_config)}
        backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05))
        paused = WorkerProcess(database, root, env, tmp_path, executor_id="paused",
                               dead_after_s=DEAD_AFTER_S)
        other: WorkerProcess | None = None
        try:
            ids = [f"build-m{n}" for n in range(MOVIES)]
            for number, build_id in enumerate(ids):
                backend.start(build_id, BuildTicket(f"m{number}"))
            _wait_for(lambda: len(replicate.unfinished()) >= 2, 90, "predictions in flight")
            other = WorkerProcess(database, root, env, tmp_path, executor_id="other",
                                  dead_after_s=DEAD_AFTER_S)
            paused.process.send_signal(signal.SIGSTOP)
            unpolled = {i for i in replicate.unfinished() if replicate.predictions[i].polls == 0}
            rows: dict[str, str] = {}
            deadline = time.monotonic() + 90
            while rows.get("paused") not in ("recovering", "recovered"):
                assert time.monotonic() < deadline, "the paused worker was never claimed"
                rows = {row.executor_id: row.state for row in backend.workers()}
                time.sleep(0.2)
            time.sleep(DEAD_AFTER_S)  # the claimer's builds are under way
            paused.process.send_signal(signal.SIGCONT)
            answers = asyncio.run(wait_all(backend, ids, 180))
            _wait_for(lambda: {r.executor_id: r.state for r in backend.workers()}["paused"]
                      == "running", 30, "the paused worker to rejoin")
        finally:
            paused.process.send_signal(signal.SIGCONT)
            codes = [paused.stop(), other.stop() if other is not None else None]
            backend.close()
        logs = paused.log_text() + (other.log_text() if other is not None else "")
        made = [(p.id, p.status, p.polls) for p in replicate.predictions.values()]

    assert [outcome(a.answer) for a in answers] == ["complete"] * MOVIES, logs
    assert "has been building this movie" not in logs, "no lock conflict"
    assert "taken for dead" in paused.log_text() and "rejoined" in paused.log_text(), logs
    assert codes == [0, 0], logs
    # Only a create the pause cut off before its id was journaled may be sent again.
    assert len(made) <= MOVIES * 2 * 2 + len(unpolled), (made, unpolled)
