"""A cancelled build's executor: a call that comes back "not started" after the cancel is not in
flight, so the cancel that waits for the calls in flight does not wait for it forever."""

from __future__ import annotations

import asyncio

from moviebuild.config.enums import Role
from moviebuild.distributed.fence import Fence
from moviebuild.distributed.guarded import GuardedExecutor
from moviebuild.distributed.job import CallNotStarted
from moviebuild.engine.interfaces import JobRequest
from moviebuild.engine.keys import JobIdentity
from moviebuild.graph import Job, NodeId, parse_node_id


class _Refused:
    """Calls the job workflow refused: the build was cancelled before they started."""

    def __init__(self) -> None:
        self.sent = asyncio.Event()
        self.answer = asyncio.Event()

    def identity(self, job: Job) -> JobIdentity:
        return JobIdentity(adapter="replicate", pool="replicate")

    async def execute(self, request: JobRequest) -> dict[NodeId, bytes]:
        self.sent.set()
        await self.answer.wait()
        raise CallNotStarted("build b1 was cancelled before this call started", retryable=False)


def test_a_call_refused_after_the_cancel_is_not_waited_for() -> None:
    async def scenario() -> int:
        fence = Fence(valid_s=3600.0)
        fence.start(1, sent_at=fence._clock())
        inner = _Refused()
        guarded = GuardedExecutor(inner, fence, 1)  # type: ignore[arg-type]
        job = Job(id=parse_node_id("TextToImageProducer[1][1]"), producer="TextToImageProducer",
                  role=Role.IMAGE, version=1, reads=(), consumes=(), produces=(), latency_s=1.0)
        call = asyncio.create_task(
            guarded.execute(JobRequest(job=job, fields={}, inputs={}, key="0" * 32))
        )
        await inner.sent.wait()
        guarded.hold()  # the cancel: no more calls
        inner.answer.set()  # the call in flight comes back "not started"
        await asyncio.wait_for(guarded.drained(), timeout=30)
        call.cancel()  # the scheduler stops and cancels what still waits
        return guarded.in_flight

    assert asyncio.run(scenario()) == 0
