"""Submitting builds to the workers and reading their answers, from a process that runs no
workflows (the server, the CLI, tests): ``ClusterBackend`` over a DBOS client.

It maps onto the server's execution interface (``BuildBackend``): ``start`` enqueues the build
workflow with the server's build id as its workflow id, ``running`` asks for that workflow's
status, ``cancel`` cancels it (the movie keeps what finished), and ``shutdown`` only disconnects:
builds live on in the database and the workers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moviebuild.distributed.queues import BUILD_QUEUE
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.distributed.workflows import BUILD_WORKFLOW, BuildTicket

if TYPE_CHECKING:
    from dbos import DBOSClient

    from moviebuild.distributed.heartbeat import WorkerRow
    from moviebuild.distributed.lease import Leases

_UNFINISHED = ("ENQUEUED", "PENDING", "DELAYED")


@dataclass(frozen=True)
class BuildStatus:
    """``state``: queued, running, finished (``answer`` holds the build summary, whose own
    ``status`` says complete, incomplete, interrupted or failed) or cancelled."""

    build_id: str
    state: str
    answer: dict[str, Any] | None = None


def _build_status(found: Any) -> BuildStatus:
    build_id = found.workflow_id
    if found.status in _UNFINISHED:
        return BuildStatus(build_id, "queued" if found.status == "ENQUEUED" else "running")
    if found.status == "SUCCESS":
        return BuildStatus(build_id, "finished", found.output)
    if found.status == "CANCELLED":
        return BuildStatus(build_id, "cancelled")
    return BuildStatus(build_id, "finished", {"status": "failed", "error": str(found.error)})


class ClusterBackend:
    def __init__(self, settings: ClusterSettings, client: DBOSClient | None = None) -> None:
        from moviebuild.distributed import runtime

        self.settings = settings
        self._leases: Leases | None = None
        self.client = client or runtime.make_client(settings)
        self.client.register_queue(
            BUILD_QUEUE, polling_interval_sec=settings.poll_interval_s, on_conflict="never_update"
        )

    def start(self, build_id: str, ticket: BuildTicket) -> None:
        """Queue a build; a build id already queued or finished is not queued again."""
        from moviebuild.distributed.settings import ClusterError, redact

        try:
            self._enqueue(build_id, ticket)
        except Exception as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ClusterError(
                f"could not queue build {build_id} on the database "
                f"{redact(self.settings.database_url)}: {reason}",
                hint="check that PostgreSQL runs, then start the build again",
            ) from exc

    def _enqueue(self, build_id: str, ticket: BuildTicket) -> None:
        self.client.enqueue(
            {
                "queue_name": BUILD_QUEUE,
                "workflow_name": BUILD_WORKFLOW,
                "workflow_id": build_id,
                "app_version": self.settings.version,
            },
            ticket.to_json(),
        )

    def status(self, build_id: str) -> BuildStatus | None:
        return self.statuses([build_id]).get(build_id)

    def statuses(self, build_ids: list[str]) -> dict[str, BuildStatus]:
        """The status of each of ``build_ids`` that exists, in one query."""
        if not build_ids:
            return {}
        found = self.client.list_workflows(workflow_ids=build_ids, load_input=False)
        return {row.workflow_id: _build_status(row) for row in found}

    def running(self, build_id: str) -> bool:
        found = self.status(build_id)
        return found is not None and found.state in ("queued", "running")

    def cancel(self, build_id: str) -> bool:
        if not self.running(build_id):
            return False
        self.client.cancel_workflow(build_id)
        return True

    def holding(self, build_id: str) -> bool:
        """Whether the build still holds its movie on a live worker: a cancelled build is over
        only once its worker let the movie go (its calls in flight finished and its interrupted
        revision is written)."""
        if self._leases is None:
            from moviebuild.distributed.heartbeat import create_schema
            from moviebuild.distributed.lease import Leases
            from moviebuild.distributed.pg import Database

            database = Database(self.settings.database_url)
            create_schema(database)
            self._leases = Leases(database)
        return self._leases.holds(build_id)

    async def wait(self, build_id: str, timeout_s: float) -> BuildStatus:
        """Poll until the build finishes (a cancelled one: until its worker let go; tests and
        benchmarks)."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            found = await asyncio.to_thread(self.status, build_id)
            if found is not None and found.state == "cancelled":
                if not await asyncio.to_thread(self.holding, build_id):
                    return found
            elif found is not None and found.state == "finished":
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"build {build_id} did not finish in {timeout_s:.0f} s")
            await asyncio.sleep(0.2)

    def workers(self) -> list[WorkerRow]:
        """The worker rows (what ``GET /v1/workers`` shows)."""
        from moviebuild.distributed.heartbeat import WorkerTable

        table = WorkerTable(self.settings.database_url)
        try:
            return table.workers()
        finally:
            table.close()

    def close(self) -> None:
        if self._leases is not None:
            self._leases.db.close()
        self.client.destroy()


class StatusBoard:
    """The statuses of the builds one process follows (the server follows every build it
    started), asked for together: each follower awaits ``status(build_id)``, and the board asks
    for every build awaited within ``window_s`` in one query, so a server following twenty
    builds asks the database once or twice per interval instead of twenty times. Used from one
    event loop."""

    def __init__(self, cluster: ClusterBackend, window_s: float) -> None:
        self.cluster = cluster
        self.window_s = window_s
        self._pending: dict[str, list[asyncio.Future[BuildStatus | None]]] = {}
        self._round: asyncio.Task[None] | None = None

    async def status(self, build_id: str) -> BuildStatus | None:
        """The build's status (None: not in the database yet); raises what the query raised."""
        future: asyncio.Future[BuildStatus | None] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(build_id, []).append(future)
        if self._round is None or self._round.done():
            self._round = asyncio.get_running_loop().create_task(self._ask())
        return await future

    async def _ask(self) -> None:
        await asyncio.sleep(self.window_s)
        pending, self._pending = self._pending, {}
        try:
            found = await asyncio.to_thread(self.cluster.statuses, sorted(pending))
        except Exception as exc:
            for futures in pending.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        for build_id, futures in pending.items():
            for future in futures:
                if not future.done():
                    future.set_result(found.get(build_id))
