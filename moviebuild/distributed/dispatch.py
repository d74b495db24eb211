"""The executor a build hands its provider calls to when it runs on workers: each call becomes a
job workflow on the queue of its provider pool, and its answer comes back by digest.

The build's own scheduler still decides every job (the key re-derived from its inputs' actual
bytes, so early cutoff holds), admits it through the movie's pools, journals its start and end and
retries 429/5xx: a retry is a new job workflow, so the queue's limiter counts it. Internal jobs
(the timeline) run in the build's process. A call's workflow id is the build's id, the job, its
key and the attempt, so a build that runs again after a crash attaches to the calls it started
instead of paying for them again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from typing import TYPE_CHECKING, Any

from moviebuild.config.enums import Role
from moviebuild.distributed.job import JobAnswer, JobTicket, make_ticket
from moviebuild.distributed.queues import ensure_pool_queue
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.engine.interfaces import JobRequest
from moviebuild.engine.keys import JobIdentity
from moviebuild.graph import Job, NodeId, parse_node_id
from moviebuild.providers import catalog

if TYPE_CHECKING:
    from dbos import DBOSClient

    from moviebuild.project.executor import ProviderExecutor
    from moviebuild.store import Store

JOB_WORKFLOW = "moviebuild.job"
_FINISHED = ["SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"]


class Dispatcher:
    """Enqueues job workflows and waits for their answers, one poll of the database per
    interval for every call this process waits on (not one per call)."""

    def __init__(self, client: DBOSClient, settings: ClusterSettings) -> None:
        self.client = client
        self.settings = settings
        self._waiting: dict[str, list[asyncio.Future[JobAnswer]]] = {}
        self._poller: asyncio.Task[None] | None = None

    async def call(self, ticket: JobTicket, workflow_id: str, queue: str) -> JobAnswer:
        await self.client.enqueue_async(
            {
                "queue_name": queue,
                "workflow_name": JOB_WORKFLOW,
                "workflow_id": workflow_id,
                "app_version": self.settings.version,
            },
            ticket.to_json(),
        )
        future: asyncio.Future[JobAnswer] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(workflow_id, []).append(future)
        if self._poller is None or self._poller.done():
            self._poller = asyncio.get_running_loop().create_task(self._poll())
        try:
            return await future
        finally:
            waiters = self._waiting.get(workflow_id, [])
            if future in waiters:
                waiters.remove(future)
            if not waiters:
                self._waiting.pop(workflow_id, None)

    async def _poll(self) -> None:
        while self._waiting:
            await asyncio.sleep(self.settings.poll_interval_s)
            ids = list(self._waiting)
            try:
                found = await self.client.list_workflows_async(
                    workflow_ids=ids, status=_FINISHED, load_input=False
                )
            except Exception:  # the database blinked; the next poll asks again
                continue
            for status in found:
                answer = _answer(status)
                for future in self._waiting.pop(status.workflow_id, []):
                    if not future.done():
                        future.set_result(answer)

    def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        with contextlib.suppress(Exception):
            self.client.destroy()


def _answer(status: Any) -> JobAnswer:
    if status.status == "SUCCESS" and isinstance(status.output, dict):
        return JobAnswer.from_json(status.output)
    return JobAnswer(
        error=f"the call's workflow ended {status.status.lower()}: {status.error}",
        retryable=False,
    )


class DispatchingExecutor:
    """A JobExecutor over the build's ProviderExecutor that sends provider calls to workers."""

    def __init__(
        self,
        inner: ProviderExecutor,
        store: Store,
        revision: int,
        build_id: str,
        dispatcher: Dispatcher,
    ) -> None:
        self.inner = inner
        self.store = store
        self.revision = revision
        self.build_id = build_id
        self.dispatcher = dispatcher
        self._attempts: Counter[NodeId] = Counter()

    def identity(self, job: Job) -> JobIdentity:
        return self.inner.identity(job)

    def can_predict(self, job: Job) -> bool:
        return self.inner.can_predict(job)

    def predict(self, request: JobRequest) -> dict[NodeId, bytes]:
        return self.inner.predict(request)

    async def execute(self, request: JobRequest) -> dict[NodeId, bytes]:
        job = request.job
        if job.role is Role.INTERNAL or request.key is None:
            return await self.inner.execute(request)
        self._attempts[job.id] += 1
        pool = self.identity(job).pool
        limits = catalog.pool_limits(self.inner.moviefile, pool)
        queue = await ensure_pool_queue(pool, limits, self.dispatcher.settings.poll_interval_s)
        ticket = await asyncio.to_thread(
            make_ticket, request, self.inner.moviefile, self.store, self.revision
        )
        workflow_id = f"{self.build_id}/{job.id}/{request.key[:16]}/{self._attempts[job.id]}"
        answer = await self.dispatcher.call(ticket, workflow_id, queue)
        answer.raise_error()
        return await asyncio.to_thread(self._read_outputs, answer)

    def _read_outputs(self, answer: JobAnswer) -> dict[NodeId, bytes]:
        # The worker stored the blobs; the build's recorder finds them there and writes nothing.
        return {parse_node_id(a): self.store.blobs.get_blob(d) for a, d in answer.outputs.items()}
