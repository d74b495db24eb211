"""One build of a movie: lock the store, run the scheduler, write the revision, refresh ``out/``.

A build in which nothing ran and nothing differs from the current revision writes no revision.
Interrupted builds (Ctrl-C) write their revision too, marked interrupted, so finished work shows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from moviebuild.engine.clock import Clock, RealClock
from moviebuild.engine.decide import Action, JobDecider
from moviebuild.engine.events import EventSink, ignore_events
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.pools import Pool, PoolLimits
from moviebuild.engine.retry import RetryPolicy
from moviebuild.engine.scheduler import Scheduler
from moviebuild.graph import Job, NodeId
from moviebuild.project.assembly import assemble_from_request
from moviebuild.project.movie import Movie
from moviebuild.project.recorder import outcome_record
from moviebuild.project.result import BuildResult
from moviebuild.project.results import StoreResults
from moviebuild.providers import catalog
from moviebuild.providers.requests import Adapter, CallContext


def make_pools(movie: Movie, clock: Clock) -> dict[str, Pool]:
    pools: dict[str, Pool] = {}
    executor = movie.executor()
    for job in movie.graph.jobs.values():
        name = executor.identity(job).pool
        if name not in pools:
            limits = catalog.pool_limits(movie.moviefile, name)
            pools[name] = Pool(
                name, PoolLimits(limits.concurrent, limits.requests_per_minute), clock
            )
    return pools


async def build_movie(
    movie: Movie,
    *,
    redo: Iterable[NodeId] = (),
    events: EventSink = ignore_events,
    clock: Clock | None = None,
    adapters: Mapping[str, Adapter] | None = None,
    retry: RetryPolicy | None = None,
    stop: asyncio.Event | None = None,
) -> BuildResult:
    """Build ``movie`` now; the caller handles the result (exit codes, printing)."""
    clock = clock or RealClock()
    store = movie.open_store()
    messages: list[str] = []
    with store, store.lock() as lock:
        if lock.takeover_message:
            messages.append(lock.takeover_message)
        lookup = StoreResults(store)
        revision = store.next_revision()
        from moviebuild.project.recorder import StoreRecorder

        stop = stop or asyncio.Event()
        recorder = StoreRecorder(store, revision, movie.graph, on_write_error=stop.set)

        def context_for(job: Job, key: str | None) -> CallContext:
            if key is None:
                return CallContext(job_id=str(job.id))

            def remember(data: Mapping[str, Any]) -> None:
                recorder.remember_provider_job(job, key, data)
                lookup.remember_provider_job(key, data)

            return CallContext(
                job_id=str(job.id), recall=lookup.provider_job(key), remember=remember
            )

        executor = movie.executor(
            assembler=assemble_from_request, adapters=adapters, context_for=context_for
        )
        decider = JobDecider(movie.moviefile, movie.overrides(), lookup, executor, redo)
        scheduler = Scheduler(
            movie.graph,
            decider,
            executor,
            recorder,
            make_pools(movie, clock),
            clock,
            retry=retry,
            events=events,
            stop=stop,
        )
        outcomes = await scheduler.run()
        if recorder.write_error is not None:
            raise recorder.write_error  # what finished is in the journal; nothing more fits
        result = BuildResult(lookup.revision, outcomes, scheduler.interrupted, False, messages)
        timeline = outcomes.get(NodeId("TimelineAssembler"))
        if timeline and timeline.outputs:
            result.timeline_digest = timeline.outputs.get("Timeline")
        if _unchanged(outcomes, lookup) and not scheduler.interrupted:
            return result
        store.write_manifest(revision, _manifest(movie, outcomes, scheduler.interrupted, result))
        store.write_head(revision)
        result.revision, result.wrote_revision = revision, True
    return result


def _unchanged(outcomes: Mapping[NodeId, JobOutcome], lookup: StoreResults) -> bool:
    """True when nothing ran and every job's key and status match the current revision."""
    if lookup.revision is None or set(outcomes) != set(lookup.records):
        return False
    for job_id, outcome in outcomes.items():
        previous = lookup.records[job_id]
        key = outcome.fingerprint.key if outcome.fingerprint else None
        if outcome.action is Action.RUN or previous.status != outcome.status or previous.key != key:
            return False
    return True


def _manifest(
    movie: Movie, outcomes: Mapping[NodeId, JobOutcome], interrupted: bool, result: BuildResult
) -> dict[str, Any]:
    jobs = {}
    for job_id in movie.graph.jobs:
        outcome = outcomes.get(job_id)
        if outcome is not None:
            record = outcome_record(outcome)
            record.pop("event")
            jobs[str(job_id)] = record
    from moviebuild.engine.keys import content_digest

    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "moviefile": movie.moviefile.model_dump(mode="json"),
        "moviefile_text": movie.moviefile_text(),
        "overrides": {
            str(a): {"digest": content_digest(v), "text": v.decode("utf-8")}
            for a, v in movie.overrides().items()
        },
        "interrupted": interrupted,
        "jobs": jobs,
        "timeline": result.timeline_digest,
        "summary": result.summary(),
    }
