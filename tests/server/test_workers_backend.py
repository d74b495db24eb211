"""The server's cluster backend against a scripted stand-in for ``ClusterBackend`` (the real one is
in tests/distributed/): a build is enqueued with its folder relative to the root, its record and
events follow the workflow's status, a database that blinks is asked again, and a cancel
cancels the workflow."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any, cast

from moviebuild.distributed.backend import BuildStatus, ClusterBackend
from moviebuild.distributed.heartbeat import WorkerRow
from moviebuild.distributed.runtime import ClusterError
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.workflows import BuildTicket
from moviebuild.project.reports import BuildReport, JobResult
from moviebuild.server.backend import BuildListener
from moviebuild.server.cluster_backend import ClusterBuildBackend
from moviebuild.server.events import EventLogs
from tests.server.harness import moviefile, running_server

SUMMARY = BuildReport(
    outcome="complete", revision=1, wrote_revision=True,
    jobs=[JobResult(id="ScriptProducer", producer="ScriptProducer", provider="fake",
                    status="done", attempts=1)],
    ran={"ScriptProducer": 1},
).model_dump(mode="json")


class ScriptedCluster:
    """Answers each status question with the next of ``script`` (the last one repeats); an
    exception in the script is raised, as a database that blinks would."""

    def __init__(self, *script: str | Exception) -> None:
        self.settings = ClusterSettings("postgresql://nowhere/db", poll_interval_s=0.01)
        self.script: deque[str | Exception] = deque(script)
        self.started: dict[str, BuildTicket] = {}
        self.cancelled: list[str] = []
        self.closed = False
        self.holding_answers: deque[bool] = deque()

    def start(self, build_id: str, ticket: BuildTicket) -> None:
        self.started[build_id] = ticket

    def statuses(self, build_ids: list[str]) -> dict[str, BuildStatus]:
        step = self.script.popleft() if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        if self.cancelled:
            step = "cancelled"
        answer = SUMMARY if step == "finished" else None
        return {build_id: BuildStatus(build_id, step, answer) for build_id in build_ids}

    def cancel(self, build_id: str) -> bool:
        self.cancelled.append(build_id)
        return True

    def holding(self, build_id: str) -> bool:
        return self.holding_answers.popleft() if self.holding_answers else False

    def workers(self) -> list[WorkerRow]:
        return []

    def close(self) -> None:
        self.closed = True


def on(cluster: ScriptedCluster, root: Path) -> Any:
    def make(logs: EventLogs, listeners: list[BuildListener]) -> ClusterBuildBackend:
        return ClusterBuildBackend(
            cast(ClusterBackend, cluster), root, logs, listeners=listeners, poll_s=0.01
        )

    return make


def test_a_build_on_workers_is_recorded_and_streamed_from_its_workflow(tmp_path: Path) -> None:
    cluster = ScriptedCluster("queued", OSError("the database blinked"), "running", "finished")
    with running_server(tmp_path, backend_factory=on(cluster, tmp_path)) as running:
        http = running.as_tenant("acme")
        created = http.post("/v1/movies", {"moviefile": moviefile()}).json()
        movie_id, build_id = created["id"], created["build"]["id"]
        events = http.wait_for_build(movie_id)
        record = http.get(f"/v1/movies/{movie_id}/builds/{build_id}").json()
    assert cluster.closed, "stopping the server disconnects"

    assert list(cluster.started) == [f"acme/{movie_id}/{build_id}"]
    ticket = cluster.started[f"acme/{movie_id}/{build_id}"]
    assert ticket.folder == f"tenants/acme/movies/{movie_id}"
    assert [e["type"] for e in events] == ["build-started", "build-finished"]
    assert events[-1] | {"id": 0} == {"id": 0, "type": "build-finished", "build": build_id,
                                      "status": "complete", "revision": 1}
    assert (record["status"], record["revision"], record["report"]["ran"]) == (
        "complete", 1, {"ScriptProducer": 1}
    )


def test_cancelling_a_build_on_workers_cancels_its_workflow(tmp_path: Path) -> None:
    cluster = ScriptedCluster("running")
    # The worker still holds the movie for three looks after the cancel (calls in flight).
    cluster.holding_answers.extend([True, True, True])
    with running_server(tmp_path, backend_factory=on(cluster, tmp_path)) as running:
        http = running.as_tenant("acme")
        created = http.post("/v1/movies", {"moviefile": moviefile()}).json()
        movie_id, build_id = created["id"], created["build"]["id"]
        again = http.post(f"/v1/movies/{movie_id}/builds")
        cancelled = http.post(f"/v1/movies/{movie_id}/builds/{build_id}/cancel")
        events = http.wait_for_build(movie_id)
        record = http.get(f"/v1/movies/{movie_id}/builds/{build_id}").json()

    assert again.status == 409, "one build of a movie at a time, as in-process"
    assert cancelled.status == 202
    assert cluster.cancelled == [f"acme/{movie_id}/{build_id}"]
    assert events[-1]["status"] == record["status"] == "cancelled"
    assert not cluster.holding_answers, "cancelled only once the worker let the movie go"


class UnreachableCluster(ScriptedCluster):
    def start(self, build_id: str, ticket: BuildTicket) -> None:
        raise ClusterError(f"could not queue build {build_id} on the database postgresql://mb@db")


def test_a_build_the_database_cannot_take_fails_with_the_reason(tmp_path: Path) -> None:
    cluster = UnreachableCluster("queued")
    with running_server(tmp_path, backend_factory=on(cluster, tmp_path)) as running:
        http = running.as_tenant("acme")
        created = http.post("/v1/movies", {"moviefile": moviefile()}).json()
        movie_id, build_id = created["id"], created["build"]["id"]
        events = http.wait_for_build(movie_id)
        record = http.get(f"/v1/movies/{movie_id}/builds/{build_id}").json()

    assert events[-1]["status"] == record["status"] == "failed"
    assert record["error"].startswith("could not queue build acme/")
