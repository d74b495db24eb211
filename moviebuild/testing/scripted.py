"""A scripted JobExecutor: its calls never end on their own. The test sees which calls have
started and ends each one, in the order it chooses, with outputs or with a provider error; with a
non-autojump ManualClock nothing else moves either, so a scheduler test reads like a script."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from moviebuild.engine.clock import Clock
from moviebuild.engine.interfaces import JobRequest
from moviebuild.engine.keys import JobIdentity
from moviebuild.graph import Job, NodeId
from moviebuild.testing.fake import http_error


@dataclass
class ScriptedCall:
    """One call of ``execute``: its request, attempt and start time; ended by the test."""

    request: JobRequest
    attempt: int
    started_at: float
    future: asyncio.Future[dict[NodeId, bytes]] = field(repr=False, compare=False)
    ended: str | None = None

    @property
    def job_id(self) -> str:
        return str(self.request.job.id)

    @property
    def running(self) -> bool:
        """Started and not ended (a call cancelled by the scheduler is not running)."""
        return self.ended is None and not self.future.done()

    def inputs(self) -> dict[str, bytes]:
        """The request's input bytes by artifact id text."""
        return {str(a): data for a, data in self.request.inputs.items()}


class ScriptedExecutor:
    """Calls wait until ``complete``, ``fail`` or ``raise_error`` ends them.

    ``pools`` maps producer names to pool names (default: the job's role). Completed jobs produce
    ``data`` for every output, or by default each artifact's id as bytes, which does not depend
    on the inputs (so an upstream rerun that completes the same way changes nothing downstream).
    """

    def __init__(self, clock: Clock, pools: Mapping[str, str] | None = None) -> None:
        self.clock = clock
        self.pools = dict(pools or {})
        self.calls: list[ScriptedCall] = []

    # JobExecutor

    def identity(self, job: Job) -> JobIdentity:
        return JobIdentity(adapter="scripted", pool=self.pools.get(job.producer, job.role.value))

    def can_predict(self, job: Job) -> bool:
        return False

    def predict(self, request: JobRequest) -> dict[NodeId, bytes]:
        raise NotImplementedError("scripted calls are not predictable")

    async def execute(self, request: JobRequest) -> dict[NodeId, bytes]:
        attempt = 1 + sum(1 for c in self.calls if c.request.job.id == request.job.id)
        future: asyncio.Future[dict[NodeId, bytes]] = asyncio.get_running_loop().create_future()
        call = ScriptedCall(request, attempt, self.clock.now(), future)
        self.calls.append(call)
        try:
            return await future
        except asyncio.CancelledError:
            call.ended = "cancelled"
            raise

    # What the test sees

    @property
    def started(self) -> list[str]:
        """Job ids of every call so far in start order (a retried job appears once per try)."""
        return [c.job_id for c in self.calls]

    @property
    def running(self) -> list[str]:
        """Job ids of the calls started and not yet ended, in start order."""
        return [c.job_id for c in self.calls if c.running]

    def call(self, job_id: str) -> ScriptedCall:
        """The running call of ``job_id``; AssertionError naming the running calls if none."""
        for candidate in self.calls:
            if candidate.job_id == job_id and candidate.running:
                return candidate
        raise AssertionError(f"{job_id} has no running call; running: {self.running}")

    # What the test does

    def complete(self, job_id: str, data: bytes | Mapping[str, bytes] | None = None) -> None:
        """End ``job_id``'s call with ``data`` for every output, or with the outputs a mapping
        names by artifact id text (leave one out to return too few)."""
        call = self.call(job_id)
        outputs: dict[NodeId, bytes] = {}
        for artifact_id in call.request.job.produces:
            if isinstance(data, Mapping):
                if str(artifact_id) in data:
                    outputs[artifact_id] = data[str(artifact_id)]
            else:
                outputs[artifact_id] = str(artifact_id).encode() if data is None else data
        self._end(call, "completed", outputs)

    def fail(
        self,
        job_id: str,
        status: int | str = 500,
        *,
        retry_after_s: float | None = None,
        message: str = "scripted failure",
    ) -> None:
        """End ``job_id``'s call with the provider error of HTTP ``status`` (or "timeout")."""
        self.raise_error(job_id, http_error(job_id, status, message, retry_after_s, "scripted"))

    def raise_error(self, job_id: str, error: BaseException) -> None:
        """End ``job_id``'s call by raising ``error`` (any exception) from ``execute``."""
        call = self.call(job_id)
        call.ended = f"raised {type(error).__name__}"
        call.future.set_exception(error)

    @staticmethod
    def _end(call: ScriptedCall, how: str, outputs: dict[NodeId, bytes]) -> None:
        call.ended = how
        call.future.set_result(outputs)
