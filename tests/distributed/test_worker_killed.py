"""SIGKILL a worker in the middle of six builds: a second worker notices its silence, recovers
its workflows, and every movie completes; no finished call is paid again and the Replicate
predictions in flight at the kill are resumed by their ids, not submitted again."""

from __future__ import annotations

import asyncio
import json
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
    final_jobs,
    outcome,
    write_movie,
)
from tests.distributed.test_two_workers import wait_all

pytestmark = pytest.mark.cluster

MOVIES = 6
PROVIDERS = {**FAKE, "image": {"adapter": "replicate"}}
LIMITS = {"replicate": {"concurrent": 3}}


def _wait_for(condition: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def polled_in_flight(replicate: RecordingReplicate) -> list[str]:
    return [i for i in replicate.unfinished() if replicate.predictions[i].polls > 0]


def test_a_killed_worker_s_builds_complete_on_another_without_paying_twice(
    postgres_server: str, tmp_path: Path
) -> None:
    database = create_database(postgres_server)
    root = tmp_path / "movies"
    for number in range(MOVIES):
        write_movie(root / f"m{number}", number, providers=PROVIDERS, limits=LIMITS)
    calls = tmp_path / "fake-calls.log"
    fake_config = tmp_path / "fake.json"
    fake_config.write_text(
        json.dumps({"latency_s": {"AudioProducer": 0.3}, "call_log": str(calls)})
    )
    with RecordingReplicate(polls_to_finish=4) as replicate:
        env = {
            **replicate.environment(),
            POLL_INTERVAL_ENV: "0.1",
            "MOVIEBUILD_FAKE_CONFIG": str(fake_config),
        }
        backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05))
        first = WorkerProcess(database, root, env, tmp_path, executor_id="first")
        second: WorkerProcess | None = None
        try:
            ids = [f"build-m{n}" for n in range(MOVIES)]
            for number, build_id in enumerate(ids):
                backend.start(build_id, BuildTicket(f"m{number}"))
            finished = replicate.counters
            _wait_for(lambda: finished["submissions"] >= 4 and polled_in_flight(replicate), 60,
                      "a few predictions, one polled and still running")
            first.kill()
            in_flight = {i: replicate.predictions[i].polls for i in polled_in_flight(replicate)}
            unpolled = [i for i in replicate.unfinished() if replicate.predictions[i].polls == 0]
            submitted_at_kill = replicate.counters["submissions"]
            fake_calls_at_kill = len(calls.read_text().splitlines())
            fake_finished_at_kill = len([
                status for status in backend.client.list_workflows(
                    name="moviebuild.job", status="SUCCESS", load_input=False
                )
                if "TextToImageProducer" not in status.workflow_id
            ])
            second = WorkerProcess(database, root, env, tmp_path, executor_id="second",
                                   dead_after_s=1.0)
            answers = asyncio.run(wait_all(backend, ids, 150))
            rows = {row.executor_id: row for row in backend.workers()}
        finally:
            if second is not None:
                second.stop()
            backend.close()
        logs = first.log_text() + second.log_text() if second else first.log_text()

    assert [outcome(a.answer) for a in answers] == ["complete"] * MOVIES, logs
    # A prediction already polled had its id journaled (the adapter records it before it
    # polls): it is resumed, never submitted again. Only a create the kill cut off before its
    # answer came back (no id yet) may be paid twice: Replicate creates are not idempotent.
    assert in_flight, "the kill caught a polled prediction in flight"
    assert replicate.counters["submissions"] <= MOVIES * 2 * 2 + len(unpolled), logs
    assert submitted_at_kill < MOVIES * 2 * 2, "the kill came before every image was asked for"
    for prediction_id, polls in in_flight.items():
        resumed = replicate.predictions[prediction_id]
        assert resumed.status == "succeeded"
        assert resumed.polls > polls, "the second worker polled it by its id to the end"
    fake_jobs = sum(
        1
        for number in range(MOVIES)
        for job in final_jobs(root / f"m{number}")
        if not job.startswith(("TextToImageProducer", "TimelineAssembler"))
    )
    fake_calls = calls.read_text().splitlines()
    # A call that finished before the kill is never made again: only calls cut off by the kill
    # may run twice.
    assert len(fake_calls) - fake_jobs <= fake_calls_at_kill - fake_finished_at_kill
    assert rows["first"].state == "recovered" and rows["first"].recovered_by == "second"


def test_a_worker_told_to_stop_finishes_its_calls_and_hands_its_builds_on(
    postgres_server: str, tmp_path: Path
) -> None:
    database = create_database(postgres_server)
    root = tmp_path / "movies"
    movies = 3
    for number in range(movies):
        write_movie(root / f"m{number}", number, providers=PROVIDERS, limits=LIMITS)
    with RecordingReplicate(polls_to_finish=4) as replicate:
        env = {**replicate.environment(), POLL_INTERVAL_ENV: "0.1"}
        backend = ClusterBackend(ClusterSettings(database, poll_interval_s=0.05))
        first = WorkerProcess(database, root, env, tmp_path, executor_id="first", grace_s=3.0)
        second: WorkerProcess | None = None
        try:
            ids = [f"build-m{n}" for n in range(movies)]
            for number, build_id in enumerate(ids):
                backend.start(build_id, BuildTicket(f"m{number}"))
            _wait_for(lambda: replicate.unfinished(), 60, "a prediction in flight")
            started = time.monotonic()
            exit_code = first.stop()
            stopped_after_s = time.monotonic() - started
            unfinished_after_drain = replicate.unfinished()
            state = {row.executor_id: row.state for row in backend.workers()}["first"]
            second = WorkerProcess(database, root, env, tmp_path, executor_id="second")
            answers = asyncio.run(wait_all(backend, ids, 120))
        finally:
            if second is not None:
                second.stop()
            backend.close()
        logs = first.log_text() + (second.log_text() if second else "")

    assert exit_code == 0, logs
    assert stopped_after_s < 3.0 + 5.0, "it left within its grace period"
    assert state == "stopped"
    assert unfinished_after_drain == [], "its calls in flight finished before it left"
    assert [outcome(a.answer) for a in answers] == ["complete"] * movies, logs
    assert replicate.counters["submissions"] == movies * 2 * 2, "each image paid once"
