"""The executor a build hands its provider calls to when it runs on workers: each call becomes a
job workflow on the queue of its provider pool, and its answer comes back by digest.

The build's own scheduler still decides every job (the key re-derived from its inputs' actual
bytes, so early cutoff holds), admits it through the movie's pools, journals its start and end and
retries 429/5xx: a retry is a new job workflow, so the queue's limiter counts it. Local jobs
(the timeline, offline engines) run in the build's process, in the worker's local slots. A
call's workflow id is the build's id, the job, its key and the attempt, so a build that runs again
after a crash attaches to the calls it started instead of paying for them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from moviebuild.config.enums import Role
from moviebuild.distributed.job import JobAnswer, JobTicket, make_ticket
from moviebuild.distributed.limits import LOCAL_ADAPTERS, ClusterLimits
from moviebuild.distributed.local import LocalSlots, default_slots
from moviebuild.distributed.queues import PoolQueues, tenant_of
from moviebuild.distributed.settings import ClusterSettings
from moviebuild.engine.interfaces import JobRequest
from moviebuild.engine.keys import JobIdentity
from moviebuild.engine.pools import Pool
from moviebuild.engine.pools import PoolLimits as EnginePoolLimits
from moviebuild.graph import Job, NodeId, parse_node_id

if TYPE_CHECKING:
    from dbos import DBOSClient, EnqueueOptions

    from moviebuild.project.executor import ProviderExecutor
    from moviebuild.project.folder import Snapshot
    from moviebuild.store import Store

JOB_WORKFLOW = "moviebuild.job"
_FINISHED = ["SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"]


class Dispatcher:
    """Enqueues job workflows and hands back their answers. One thread polls the database for
    every call this process waits on (one query per interval, not one per call); builds await
    from their own event loops."""

    def __init__(
        self, client: DBOSClient, settings: ClusterSettings, local_slots: int | None = None
    ) -> None:
        self.client = client
        self.settings = settings
        #: The pool queues, routed by the operator's limits (``upkeep`` refreshes them).
        self.queues = PoolQueues(settings.poll_interval_s)
        self.local = LocalSlots(local_slots or default_slots())
        self._lock = threading.Lock()
        self._waiting: dict[str, list[Future[JobAnswer]]] = {}
        self._wake = threading.Event()
        self._closed = False
        self._poller = threading.Thread(
            target=self._poll, name="moviebuild-answers", daemon=True
        )
        self._poller.start()

    async def call(
        self, ticket: JobTicket, workflow_id: str, queue: str, tenant: str
    ) -> JobAnswer:
        options: EnqueueOptions = {
            "queue_name": queue,
            "queue_partition_key": tenant,
            "workflow_name": JOB_WORKFLOW,
            "workflow_id": workflow_id,
            "app_version": self.settings.version,
        }
        await asyncio.to_thread(lambda: self.client.enqueue(options, ticket.to_json()))
        future: Future[JobAnswer] = Future()
        with self._lock:
            self._waiting.setdefault(workflow_id, []).append(future)
        self._wake.set()
        try:
            return await asyncio.wrap_future(future)
        finally:
            with self._lock:
                waiters = self._waiting.get(workflow_id, [])
                if future in waiters:
                    waiters.remove(future)
                if not waiters:
                    self._waiting.pop(workflow_id, None)

    def _poll(self) -> None:
        while not self._closed:
            self._wake.wait()
            time.sleep(self.settings.poll_interval_s)
            with self._lock:
                ids = list(self._waiting)
                if not ids:
                    self._wake.clear()
                    continue
            try:
                found = self.client.list_workflows(
                    workflow_ids=ids, status=_FINISHED, load_input=False
                )
            except Exception:  # the database blinked; the next poll asks again
                continue
            for status in found:
                answer = _answer(status)
                with self._lock:
                    futures = self._waiting.pop(status.workflow_id, [])
                for future in futures:
                    if not future.done():
                        future.set_result(answer)

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        with contextlib.suppress(Exception):
            self.client.destroy()


def _answer(status: Any) -> JobAnswer:
    if status.status == "SUCCESS" and isinstance(status.output, dict):
        return JobAnswer.from_json(status.output)
    return JobAnswer(
        error=f"the call's workflow ended {status.status.lower()}: {status.error}",
        retryable=False,
    )


def admission_pools(snapshot: Snapshot, cluster: ClusterLimits) -> dict[str, Pool]:
    """A build's own admission on workers, one pool per provider pool its jobs use: the
    cluster's limits, lowered where its Moviefile asks for less (a Moviefile never raises them).
    Local pools (offline, internal) are left to the Moviefile, as in a local build."""
    from moviebuild.engine.clock import RealClock
    from moviebuild.project.executor import ProviderExecutor

    moviefile = snapshot.moviefile
    executor = ProviderExecutor(moviefile)
    clock = RealClock()
    pools: dict[str, Pool] = {}
    for job in snapshot.graph.jobs.values():
        name = executor.identity(job).pool
        adapter = name.split(":", 1)[0]
        if adapter in LOCAL_ADAPTERS or name in pools:
            continue
        cluster_limits = cluster.limits_of(name if name in cluster.operator else adapter)
        asked = moviefile.limits.get(name) or moviefile.limits.get(adapter)
        concurrent, rpm = cluster_limits.concurrent, cluster_limits.per_minute
        if asked is not None:
            concurrent = min(concurrent, asked.concurrent)
            if asked.requests_per_minute is not None:
                rpm = min(rpm or asked.requests_per_minute, asked.requests_per_minute)
        pools[name] = Pool(name, EnginePoolLimits(concurrent, rpm), clock)
    return pools


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
        identity = self.identity(job)
        if job.role is Role.INTERNAL or request.key is None or identity.adapter in LOCAL_ADAPTERS:
            # Local work (offline engines, the timeline) runs here, in this worker's slots.
            async with self.dispatcher.local.slot():
                return await self.inner.execute(request)
        self._attempts[job.id] += 1
        # The operator's pools decide the queue (the Moviefile's pool names only its own
        # build's admission), and the build's tenant is the queue partition (fair share).
        queue = await asyncio.to_thread(
            self.dispatcher.queues.queue_for, identity.adapter, job.role
        )
        ticket = await asyncio.to_thread(
            make_ticket, request, self.inner.moviefile, self.store, self.revision, self.build_id
        )
        workflow_id = f"{self.build_id}/{job.id}/{request.key[:16]}/{self._attempts[job.id]}"
        answer = await self.dispatcher.call(ticket, workflow_id, queue, tenant_of(self.build_id))
        self.inner.report_usage(job, answer.usage)
        answer.raise_error()
        return await asyncio.to_thread(self._read_outputs, answer)

    def _read_outputs(self, answer: JobAnswer) -> dict[NodeId, bytes]:
        # The worker stored the blobs; the build's recorder finds them there and writes nothing.
        return {parse_node_id(a): self.store.blobs.get_blob(d) for a, d in answer.outputs.items()}
