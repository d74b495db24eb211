"""Scheduler tests as scripts: ``sketch_graph`` builds a small graph from job names, and
``ScriptedBuild`` runs the real Scheduler over it with a ScriptedExecutor, in-memory results and a
manual clock that moves only when the test advances it. Every step lets the loop settle."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence

from moviebuild.config.enums import Role
from moviebuild.config.load import parse_moviefile
from moviebuild.config.moviefile import Moviefile
from moviebuild.engine.decide import JobDecider
from moviebuild.engine.events import BuildEvent, EventKind
from moviebuild.engine.interfaces import Spending
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.pools import Pool, PoolLimits
from moviebuild.engine.retry import RetryPolicy
from moviebuild.engine.scheduler import Scheduler
from moviebuild.graph import Artifact, Graph, Job, NodeId, parse_node_id
from moviebuild.testing.clock import ManualClock, settle
from moviebuild.testing.memory import MemoryRecorder, MemoryResults
from moviebuild.testing.scripted import ScriptedExecutor

#: Read only by jobs of real blueprints; sketched jobs read no Moviefile field.
MINIMAL_MOVIEFILE = "inquiry: Tell me about volcanoes\nduration: 20\n"
UNLIMITED = PoolLimits(concurrent=1_000)


def output_of(job_id: str) -> str:
    """The id of the one artifact a sketched job produces: ``A[1]`` makes ``AOut[1]``."""
    node = parse_node_id(job_id)
    return str(NodeId(node.name + "Out", node.index))


def sketch_graph(
    upstream: Mapping[str, Sequence[str]],
    *,
    latency_s: Mapping[str, float] | None = None,
    roles: Mapping[str, Role] | None = None,
    partial: Iterable[str] = (),
) -> Graph:
    """A graph whose jobs are the keys of ``upstream``, each consuming the output of the jobs it
    lists. ``latency_s`` and ``roles`` go by job id or producer name (defaults 1 s and text)."""
    latency_s, roles, partial = latency_s or {}, roles or {}, set(partial)
    jobs, artifacts = [], []
    for text_id, sources in upstream.items():
        job_id = parse_node_id(text_id)
        unknown = [s for s in sources if s not in upstream]
        if unknown:
            raise ValueError(f"{text_id} lists {unknown}, which are not jobs of the sketch")
        produced = parse_node_id(output_of(text_id))
        artifacts.append(Artifact(produced, "text", job_id))
        jobs.append(
            Job(
                id=job_id,
                producer=job_id.name,
                role=roles.get(text_id, roles.get(job_id.name, Role.TEXT)),
                version=1,
                reads=(),
                consumes=tuple(parse_node_id(output_of(s)) for s in sources),
                produces=(produced,),
                latency_s=latency_s.get(text_id, latency_s.get(job_id.name, 1.0)),
                partial=text_id in partial,
            )
        )
    return Graph(jobs, artifacts)


class ScriptedBuild:
    """One scheduler run under the test's control; job and artifact ids are given as text.

    ``limits`` maps pool names (the executor's ``pools`` or the job's role) to PoolLimits;
    pools without limits admit everything. ``results`` carries stored results between builds.
    """

    def __init__(
        self,
        graph: Graph,
        *,
        moviefile: Moviefile | None = None,
        results: MemoryResults | None = None,
        pools: Mapping[str, str] | None = None,
        limits: Mapping[str, PoolLimits] | None = None,
        overrides: Mapping[str, bytes] | None = None,
        redo: Iterable[str] = (),
        retry: RetryPolicy | None = None,
        spending: Spending | None = None,
    ) -> None:
        self.clock = ManualClock(autojump=False)
        self.results = results or MemoryResults()
        self.recorder = MemoryRecorder(self.results)
        self.executor = ScriptedExecutor(self.clock, pools)
        self.events: list[BuildEvent] = []
        self.stop = asyncio.Event()
        decider = JobDecider(
            moviefile or parse_moviefile(MINIMAL_MOVIEFILE),
            {parse_node_id(a): data for a, data in (overrides or {}).items()},
            self.results,
            self.executor,
            [parse_node_id(j) for j in redo],
        )
        limits = limits or {}
        by_name: dict[str, Pool] = {}
        for job in graph.jobs.values():
            name = self.executor.identity(job).pool
            by_name.setdefault(name, Pool(name, limits.get(name, UNLIMITED), self.clock))
        self.scheduler = Scheduler(
            graph,
            decider,
            self.executor,
            self.recorder,
            by_name,
            self.clock,
            retry=retry,
            events=self.events.append,
            stop=self.stop,
            spending=spending,
        )
        self._task: asyncio.Task[dict[NodeId, JobOutcome]] | None = None

    async def start(self) -> None:
        """Start the scheduler and let every job that can start reach its call (or its pool)."""
        self._task = asyncio.get_running_loop().create_task(self.scheduler.run())
        await settle()

    @property
    def running(self) -> list[str]:
        """Job ids whose calls are in flight, in start order."""
        return self.executor.running

    @property
    def started(self) -> list[str]:
        """Job ids of every call so far, in start order (retries appear again)."""
        return self.executor.started

    async def complete(self, *job_ids: str, data: bytes | None = None) -> None:
        """Complete each call in the order given, letting the loop settle after each."""
        for job_id in job_ids:
            self.executor.complete(job_id, data)
            await settle()

    async def fail(
        self, job_id: str, status: int | str = 500, *, retry_after_s: float | None = None
    ) -> None:
        self.executor.fail(job_id, status, retry_after_s=retry_after_s)
        await settle()

    async def advance(self, seconds: float) -> None:
        """Move the clock forward and let whatever was waiting for it run."""
        self.clock.advance(seconds)
        await settle()

    async def interrupt(self) -> None:
        """Set the stop event, as Ctrl-C does, and let the scheduler wind down."""
        self.stop.set()
        await settle()

    def events_of(self, kind: EventKind) -> list[BuildEvent]:
        return [e for e in self.events if e.kind is kind]

    async def finish(self) -> dict[str, JobOutcome]:
        """The outcomes by job id text; AssertionError if the scheduler is still waiting."""
        await settle()
        if self._task is None or not self._task.done():
            raise AssertionError(
                f"the build has not finished: running {self.running}, "
                f"{self.clock.sleepers} waiting on the clock at t={self.clock.now()}"
            )
        return {str(job_id): outcome for job_id, outcome in self._task.result().items()}
