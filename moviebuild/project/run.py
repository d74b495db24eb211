"""Running the scheduler for one build: the executor, pools, recorder and decider wired over the
store and the providers. The only part of a build that needs an event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from typing import Any

from moviebuild.config.moviefile import Moviefile
from moviebuild.engine.clock import Clock
from moviebuild.engine.decide import JobDecider
from moviebuild.engine.events import EventSink
from moviebuild.engine.interfaces import JobExecutor
from moviebuild.engine.keys import JobIdentity
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.pools import Pool, PoolLimits
from moviebuild.engine.retry import RetryPolicy
from moviebuild.engine.scheduler import Scheduler
from moviebuild.graph import Job, NodeId
from moviebuild.project.assembly import assemble_from_request
from moviebuild.project.executor import ProviderExecutor
from moviebuild.project.folder import Snapshot
from moviebuild.project.recorder import StoreRecorder
from moviebuild.project.results import StoreResults
from moviebuild.project.spending import BuildSpending
from moviebuild.providers import catalog
from moviebuild.providers.endpoints import env_float
from moviebuild.providers.requests import Adapter, CallContext
from moviebuild.store import Store

#: Real seconds a job may take over all its attempts and waits (see RetryPolicy.job_deadline_s).
JOB_DEADLINE_ENV = "MOVIEBUILD_JOB_DEADLINE_S"
DEFAULT_JOB_DEADLINE_S = 1800.0

#: Provider pools by name, shared by every build that is handed the same mapping (a server's
#: movies then share each provider's limits; the first build to use a pool sets its limits).
PoolRegistry = dict[str, Pool]

#: Wraps the build's executor, e.g. to run provider calls on other machines (distributed workers).
ExecutorWrapper = Callable[[ProviderExecutor, Store, int], JobExecutor]



def make_pools(
    identities: Mapping[NodeId, JobIdentity],
    moviefile: Moviefile,
    clock: Clock,
    shared: PoolRegistry | None = None,
) -> dict[str, Pool]:
    """One pool per provider pool name the jobs use (their planned ``identities``), with the
    Moviefile's limits; taken from (and added to) ``shared`` when given."""
    pools: dict[str, Pool] = {}
    for name in sorted({identity.pool for identity in identities.values()}):
        if shared is not None and name in shared:
            pools[name] = shared[name]
            continue
        limits = catalog.pool_limits(moviefile, name)
        pools[name] = Pool(name, PoolLimits(limits.concurrent, limits.requests_per_minute), clock)
        if shared is not None:
            shared[name] = pools[name]
    return pools


async def run_scheduler(
    snapshot: Snapshot,
    identities: Mapping[NodeId, JobIdentity],
    store: Store,
    lookup: StoreResults,
    revision: int,
    *,
    on_event: EventSink,
    stop: asyncio.Event | threading.Event | None,
    clock: Clock,
    adapters: Mapping[str, Adapter] | None,
    retry: RetryPolicy | None,
    pools: PoolRegistry | None = None,
    wrap_executor: ExecutorWrapper | None = None,
    spending: BuildSpending,
) -> tuple[dict[NodeId, JobOutcome], bool, bool]:
    """Run every stale job of ``snapshot``; returns the outcomes, whether it was stopped, and
    whether ``spending``'s budget stopped it from starting more calls. ``identities`` are the
    jobs' identities as planned.

    ``pools`` is a registry shared across builds; ``wrap_executor`` (given the executor, the
    store and the revision) may hand some calls to other processes; deciding, pools, journal and
    blobs stay here. ``spending`` collects what the calls billed and holds the budget."""

    def context_for(job: Job, key: str | None) -> CallContext:
        report = spending.reporter(job)
        if key is None:
            return CallContext(job_id=str(job.id), report=report)

        def remember(data: Mapping[str, Any]) -> None:
            recorder.remember_provider_job(job, key, data)
            lookup.remember_provider_job(key, data)

        return CallContext(job_id=str(job.id), recall=lookup.provider_job(key), remember=remember,
                           report=report)

    executor = ProviderExecutor(
        snapshot.moviefile,
        assembler=assemble_from_request,
        adapters=adapters,
        context_for=context_for,
        identities=identities,
        materials=snapshot.materials,
    )
    job_executor: JobExecutor = (
        wrap_executor(executor, store, revision) if wrap_executor else executor
    )
    decider = JobDecider(
        snapshot.moviefile, snapshot.overrides, lookup, job_executor, snapshot.redo,
        snapshot.materials,
    )
    loop_stop, watcher = _loop_event(stop)
    # A store write that fails (a full disk, a lost store) stops new calls at once.
    recorder = StoreRecorder(store, revision, snapshot.graph, on_write_error=loop_stop.set,
                             spending=spending)
    scheduler = Scheduler(
        snapshot.graph,
        decider,
        job_executor,
        recorder,
        make_pools(identities, snapshot.moviefile, clock, pools),
        clock,
        retry=retry or default_retry(),
        events=on_event,
        stop=loop_stop,
        spending=spending,
    )
    try:
        outcomes = await scheduler.run()
    finally:
        if watcher is not None:
            watcher.cancel()
    if recorder.write_error is not None:
        raise recorder.write_error  # what finished is in the journal; nothing more fits
    return dict(outcomes), scheduler.interrupted, scheduler.budget_reached


def default_retry() -> RetryPolicy:
    """The engine's retries with the job deadline from ``$MOVIEBUILD_JOB_DEADLINE_S`` (30 min by
    default): a job stalled at a provider ends then, and its build (and a server's build slot)
    with it."""
    return RetryPolicy(job_deadline_s=env_float(JOB_DEADLINE_ENV, DEFAULT_JOB_DEADLINE_S))


def _loop_event(
    stop: asyncio.Event | threading.Event | None,
) -> tuple[asyncio.Event, asyncio.Task[None] | None]:
    """An asyncio.Event for the scheduler; a threading.Event (set by a signal handler or another
    thread) is watched and copied into it."""
    if stop is None or isinstance(stop, asyncio.Event):
        return stop or asyncio.Event(), None
    event = asyncio.Event()
    threaded = stop

    async def watch() -> None:
        while not threaded.is_set():
            await asyncio.sleep(0.05)
        event.set()

    return event, asyncio.get_running_loop().create_task(watch())
