"""The executor a build on workers calls through, around the one that dispatches calls: it waits
for the worker's fence before each provider call (a worker taken for dead starts none), counts
the calls in flight, and holds new calls once the build is cancelled, so that a cancel lets the
calls in flight finish and be journaled (a later build reuses them) while the rest never start.

Held calls wait until the scheduler stops and cancels them: they were never sent, so nothing is
paid and nothing is journaled as their answer.
"""

from __future__ import annotations

import asyncio

from moviebuild.config.enums import Role
from moviebuild.distributed.fence import Fence
from moviebuild.distributed.job import CallNotStarted
from moviebuild.engine.interfaces import JobExecutor, JobRequest
from moviebuild.engine.keys import JobIdentity
from moviebuild.errors import ProviderError
from moviebuild.graph import Job, NodeId


class GuardedExecutor:
    """A JobExecutor over ``inner`` for one build running under ``incarnation`` of ``fence``."""

    def __init__(self, inner: JobExecutor, fence: Fence, incarnation: int) -> None:
        self.inner = inner
        self.fence = fence
        self.incarnation = incarnation
        self.in_flight = 0
        self.holding = False
        self._changed = asyncio.Event()

    def identity(self, job: Job) -> JobIdentity:
        return self.inner.identity(job)

    def can_predict(self, job: Job) -> bool:
        return self.inner.can_predict(job)

    def predict(self, request: JobRequest) -> dict[NodeId, bytes]:
        return self.inner.predict(request)

    async def execute(self, request: JobRequest) -> dict[NodeId, bytes]:
        job = request.job
        if job.role is Role.INTERNAL or request.key is None:
            return await self.inner.execute(request)  # no provider: the journal is guarded
        if not self.holding:
            await asyncio.to_thread(self.fence.wait, self.incarnation, f"calling {job.id}")
        if self.holding:
            await _never()
        self.in_flight += 1
        try:
            return await self.inner.execute(request)
        except CallNotStarted as exc:
            refused = exc
        finally:
            self.in_flight -= 1
            self._changed.set()
        if self.holding or self.fence.lost(self.incarnation):
            await _never()  # the build stops; this call was never made
        raise ProviderError(refused.message, retryable=True)

    def hold(self) -> None:
        """Start no more calls (the build was cancelled)."""
        self.holding = True
        self._changed.set()

    async def drained(self) -> None:
        """Return once no call is in flight."""
        while self.in_flight:
            self._changed.clear()
            await self._changed.wait()


async def _never() -> None:
    """Wait until cancelled (the scheduler cancels what still runs once the build stops)."""
    await asyncio.Event().wait()
