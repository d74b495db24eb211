"""The dataflow scheduler: one asyncio loop; a job starts the moment its own inputs exist
(an input the user overrides exists from the start).

``graphlib.TopologicalSorter`` does the readiness bookkeeping. Each ready job is decided again with
its inputs' actual digests (early cutoff), then waits in its provider's pool, ordered by longest
remaining path. Failures block only dependents. This is the only place that catches every
exception a job can raise, and turns it into that job's outcome.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator, Mapping
from graphlib import TopologicalSorter
from typing import Protocol

from moviebuild.config.enums import Role
from moviebuild.engine.clock import Clock
from moviebuild.engine.decide import Action, Decision, JobDecider
from moviebuild.engine.events import BuildEvent, EventKind, EventSink, ignore_events
from moviebuild.engine.interfaces import JobExecutor, JobRequest, JobStatus, Spending
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.pools import Pool
from moviebuild.engine.retry import RetryPolicy
from moviebuild.errors import MovieBuildError, ProviderError
from moviebuild.graph import Graph, Job, NodeId


class StoredInputs(Mapping[NodeId, bytes]):
    """A job's inputs, each read from the store when first used: a job that needs only some of
    them (the assembler measures audio but only checks that images exist) reads no more."""

    def __init__(
        self,
        digests: Mapping[NodeId, str],
        overrides: Mapping[NodeId, bytes],
        read_blob: Callable[[str], bytes],
    ) -> None:
        self._digests = dict(digests)
        self._overrides = overrides
        self._read_blob = read_blob
        self._read: dict[NodeId, bytes] = {}

    def __getitem__(self, artifact_id: NodeId) -> bytes:
        digest = self._digests[artifact_id]
        if artifact_id in self._overrides:
            return self._overrides[artifact_id]
        if artifact_id not in self._read:
            self._read[artifact_id] = self._read_blob(digest)
        return self._read[artifact_id]

    def __contains__(self, artifact_id: object) -> bool:
        return artifact_id in self._digests

    def __iter__(self) -> Iterator[NodeId]:
        return iter(self._digests)

    def __len__(self) -> int:
        return len(self._digests)


class RunRecorder(Protocol):
    """Where the scheduler puts results as they happen (blobs and journal lines)."""

    def job_started(self, job: Job, key: str) -> None: ...

    def store_outputs(self, job: Job, outputs: Mapping[NodeId, bytes]) -> dict[str, str]:
        """Store each artifact's bytes; returns artifact id -> digest."""
        ...

    def job_ended(self, job: Job, outcome: JobOutcome) -> None: ...

    def read_blob(self, digest: str) -> bytes: ...


def remaining_path_s(graph: Graph) -> dict[NodeId, float]:
    """For each job, its latency plus the longest chain of latencies after it."""
    longest: dict[NodeId, float] = {}
    for job_id in reversed(list(graph.jobs)):
        after = max((longest[d] for d in graph.dependents(job_id)), default=0.0)
        longest[job_id] = graph.jobs[job_id].latency_s + after
    return longest


class Scheduler:
    """Runs one build. ``stop`` (set on Ctrl-C) halts new calls; finished work stays recorded.

    ``spending`` (a budget) is asked before each job's first call; the first job it refuses
    sets ``budget_reached``: no job starts after it, the calls in flight finish and are
    recorded, and jobs never started have no outcome (the next build runs them).
    """

    def __init__(
        self,
        graph: Graph,
        decider: JobDecider,
        executor: JobExecutor,
        recorder: RunRecorder,
        pools: Mapping[str, Pool],
        clock: Clock,
        *,
        retry: RetryPolicy | None = None,
        events: EventSink = ignore_events,
        seed: int = 0,
        stop: asyncio.Event | None = None,
        spending: Spending | None = None,
    ) -> None:
        self.graph = graph
        self.decider = decider
        self.executor = executor
        self.recorder = recorder
        self.pools = pools
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.events = events
        self.rng = random.Random(seed)
        self.stop = stop or asyncio.Event()
        self.priority = remaining_path_s(graph)
        self.outcomes: dict[NodeId, JobOutcome] = {}
        self.known: dict[NodeId, str] = dict(decider.override_digests)
        self.interrupted = False
        self.spending = spending
        self.budget_reached = False

    async def run(self) -> dict[NodeId, JobOutcome]:
        sorter = TopologicalSorter({j: self._waits_on(j) for j in self.graph.jobs})
        sorter.prepare()
        running: dict[asyncio.Task[JobOutcome | None], NodeId] = {}
        try:
            while sorter.is_active() and not self.stop.is_set():
                if not self.budget_reached:
                    self._start_ready(sorter, running)
                if not running:
                    if self.budget_reached:
                        break
                    continue
                stopper = asyncio.ensure_future(self.stop.wait())
                done, _ = await asyncio.wait(
                    [*running, stopper], return_when=asyncio.FIRST_COMPLETED
                )
                stopper.cancel()
                for task in done:
                    if task is stopper:
                        continue
                    job_id = running.pop(task)  # type: ignore[arg-type]
                    outcome = task.result()
                    if outcome is None:
                        continue  # refused by the budget: never started, no outcome
                    self._settle(outcome)  # type: ignore[arg-type]
                    sorter.done(job_id)
        finally:
            if running:
                self.interrupted = True
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)
        self.interrupted = self.interrupted or self.stop.is_set()
        return self.outcomes

    def _waits_on(self, job_id: NodeId) -> tuple[NodeId, ...]:
        """The jobs ``job_id`` must wait for: producers of its inputs that are not overridden."""
        job = self.graph.jobs[job_id]
        if not any(a in self.known for a in job.consumes):
            return self.graph.dependencies(job_id)
        return tuple({self.graph.producer_of(a).id for a in job.consumes if a not in self.known})

    def _start_ready(
        self,
        sorter: TopologicalSorter[NodeId],
        running: dict[asyncio.Task[JobOutcome | None], NodeId],
    ) -> None:
        """Start every ready job, longest remaining path first. A job settled on the spot
        (reused, skipped, blocked) readies its dependents at once: they start in this same
        pass, not after the next call ends."""
        ready = sorter.get_ready()
        while ready:
            for job_id in sorted(ready, key=lambda j: -self.priority[j]):
                outcome_or_task = self._start(self.graph.jobs[job_id])
                if isinstance(outcome_or_task, JobOutcome):
                    self._settle(outcome_or_task)
                    sorter.done(job_id)
                else:
                    running[outcome_or_task] = job_id
            ready = sorter.get_ready()

    def _settle(self, outcome: JobOutcome) -> None:
        self.outcomes[outcome.job_id] = outcome
        job = self.graph.jobs[outcome.job_id]
        for name, digest in outcome.outputs.items():
            artifact_id = next(a for a in job.produces if str(a) == name)
            self.known.setdefault(artifact_id, digest)

    def _start(self, job: Job) -> JobOutcome | asyncio.Task[JobOutcome | None]:
        missing = [a for a in job.consumes if a not in self.known]
        if missing and not job.partial:
            culprit = self.graph.producer_of(missing[0]).id
            self._emit(EventKind.BLOCKED, job, f"waits on {culprit}")
            return JobOutcome(
                job.id,
                JobStatus.BLOCKED,
                error=f"blocked by {culprit}",
                take=self.decider.take(job),
            )
        inputs = {a: self.known[a] for a in job.consumes if a in self.known}
        decision = self.decider.decide(job, inputs)
        if decision.action is Action.SKIP:
            self._emit(EventKind.SKIPPED, job)
            return JobOutcome(job.id, JobStatus.SKIPPED, Action.SKIP, take=self.decider.take(job))
        if decision.action is Action.REUSE:
            self._emit(EventKind.REUSED, job)
            assert decision.fingerprint is not None
            return JobOutcome(
                job.id,
                JobStatus.DONE,
                Action.REUSE,
                None,
                decision.fingerprint,
                dict(decision.outputs or {}),
                take=decision.fingerprint.take,
            )
        self._emit(EventKind.WAITING, job)
        return asyncio.get_running_loop().create_task(self._run(job, decision, inputs))

    async def _run(
        self, job: Job, decision: Decision, inputs: Mapping[NodeId, str]
    ) -> JobOutcome | None:
        fingerprint = decision.fingerprint
        assert fingerprint is not None
        outcome = JobOutcome(
            job.id,
            JobStatus.NEEDS_ATTENTION,
            Action.RUN,
            decision.reason,
            fingerprint,
            take=fingerprint.take,
        )
        pool = self.pools[self.executor.identity(job).pool]
        request = JobRequest(job, fingerprint.fields, {}, fingerprint.take, fingerprint.key)
        loop = asyncio.get_running_loop()
        limit_s = self.retry.job_deadline_s
        deadline: float | None = None
        while True:
            outcome.attempts += 1
            await pool.acquire(self.priority[job.id])
            if outcome.attempts == 1 and not self._admitted(job):
                pool.release()
                return None
            try:
                if self.stop.is_set():
                    # Stopped while this job waited for its slot (Ctrl-C, a failed store
                    # write): no new call starts; the scheduler cancels this task as it ends.
                    await asyncio.get_running_loop().create_future()
                if outcome.attempts == 1:
                    self.recorder.job_started(job, fingerprint.key)
                    request = JobRequest(
                        job,
                        fingerprint.fields,
                        self._read_inputs(inputs),
                        fingerprint.take,
                        fingerprint.key,
                    )
                    deadline = None if limit_s is None else loop.time() + limit_s
                self._emit(EventKind.STARTED, job, attempt=outcome.attempts)
                try:
                    async with asyncio.timeout_at(deadline):
                        produced = await self.executor.execute(request)
                except TimeoutError:
                    raise self._past_deadline(job, limit_s) from None
                self._check_outputs(job, produced)
                outcome.outputs = self.recorder.store_outputs(job, produced)
                outcome.status = JobStatus.DONE
                self._emit(EventKind.FINISHED, job, attempt=outcome.attempts)
                break
            except ProviderError as exc:
                outcome.error, outcome.retryable = exc.message, exc.retryable
                outcome.hint = exc.hint
                if not exc.retryable or outcome.attempts >= self.retry.max_attempts:
                    self._emit(EventKind.FAILED, job, exc.message, outcome.attempts)
                    break
                delay_s = self.retry.delay_s(outcome.attempts, exc.retry_after_s, self.rng)
                if deadline is not None and loop.time() + delay_s >= deadline:
                    if loop.time() < deadline:
                        outcome.error = (f"{exc.message}; not tried again: the job's deadline "
                                         f"({limit_s:g} s for all attempts) comes first")
                    self._emit(EventKind.FAILED, job, outcome.error, outcome.attempts)
                    break
                self._emit(EventKind.RETRYING, job, exc.message, outcome.attempts, delay_s)
            except MovieBuildError as exc:
                outcome.error, outcome.retryable = exc.message, False
                outcome.hint = exc.hint
                self._emit(EventKind.FAILED, job, exc.message, outcome.attempts)
                break
            except Exception as exc:
                outcome.error = f"internal error: {type(exc).__name__}: {exc}"
                outcome.retryable = False
                self._emit(EventKind.FAILED, job, outcome.error, outcome.attempts)
                break
            finally:
                pool.release()
            await self.clock.sleep(delay_s)
        self.recorder.job_ended(job, outcome)
        if self.spending is not None:
            self.spending.ended(job, outcome)
        return outcome

    def _admitted(self, job: Job) -> bool:
        """False once the budget refused a call: this one and every later one wait."""
        if self.spending is None or job.role is Role.INTERNAL:
            return True
        if not self.budget_reached and not self.spending.admit(job):
            self.budget_reached = True
            self._emit(EventKind.WAITING, job, "budget reached: not started")
        return not self.budget_reached

    @staticmethod
    def _past_deadline(job: Job, limit_s: float | None) -> ProviderError:
        # Retryable: the next build may try again (a provider job already submitted is
        # remembered, so it is read, not paid for twice); this build does not.
        return ProviderError(
            f"{job.id}: no result within the job's deadline of {limit_s:g} s (every attempt "
            "and wait together); the call was stopped",
            retryable=True,
            hint="the provider is stalling; build again later, or raise "
            "MOVIEBUILD_JOB_DEADLINE_S if it is really this slow",
        )

    def _read_inputs(self, inputs: Mapping[NodeId, str]) -> Mapping[NodeId, bytes]:
        return StoredInputs(inputs, self.decider.overrides, self.recorder.read_blob)

    @staticmethod
    def _check_outputs(job: Job, produced: Mapping[NodeId, bytes]) -> None:
        missing = [str(a) for a in job.produces if a not in produced]
        if missing:
            raise ProviderError(f"{job.id} returned no {', '.join(missing)}", retryable=False)

    def _emit(
        self,
        kind: EventKind,
        job: Job,
        message: str | None = None,
        attempt: int = 0,
        retry_in_s: float | None = None,
    ) -> None:
        self.events(BuildEvent(kind, job.id, job.producer, message, attempt, retry_in_s))
