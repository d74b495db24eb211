"""One build of a movie, end to end, for every door (CLI, Python, server, workers).

Read the inputs once (a ``Snapshot``), open the store once and hold its lock from the plan to the
refreshed movie folder, plan once (the same plan answers the budget and the "up to date"
questions), run the scheduler only when something is stale, write the revision, refresh ``out/``
and ``prompts/``, and answer with a ``BuildReport`` that carries the cost and the notices.

A build in which nothing ran and nothing differs from the current revision writes no revision.
Interrupted builds write theirs too, marked interrupted, so finished work shows.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from moviebuild.engine.clock import Clock, RealClock
from moviebuild.engine.decide import Action
from moviebuild.engine.events import BuildEvent as EngineEvent
from moviebuild.engine.events import EventSink, ignore_events
from moviebuild.engine.interfaces import JobStatus, ResultLookup
from moviebuild.engine.keys import content_digest
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.plan import Plan
from moviebuild.graph import NodeId
from moviebuild.project.changes import Changes
from moviebuild.project.cost import build_costs, check_budget, job_pricing, plan_cost_usd
from moviebuild.project.folder import EmptyResults, MovieFolder, Snapshot
from moviebuild.project.notices import build_notices
from moviebuild.project.records import (
    BudgetStop,
    FailureRecord,
    JobRecord,
    OverrideRecord,
    ProviderCost,
    RevisionRecord,
    RevisionSummary,
    write_revision,
)
from moviebuild.project.reports import BuildReport
from moviebuild.project.reports_build import build_report
from moviebuild.project.result import matches_current, planned_outcomes
from moviebuild.project.results import StoreResults
from moviebuild.project.spending import BuildSpending
from moviebuild.providers.prices import PRICE_TABLE_VERSION, answer_size

if TYPE_CHECKING:
    import asyncio
    from typing import Unpack

    from moviebuild.engine.retry import RetryPolicy
    from moviebuild.project.events import EventCallback
    from moviebuild.project.options import BuildOptions
    from moviebuild.project.run import ExecutorWrapper, PoolRegistry
    from moviebuild.providers.requests import Adapter
    from moviebuild.store import Store
    from moviebuild.store.lock import LockLease

class BuildSession:
    """The part of a build that needs no event loop: everything but running the scheduler."""

    def __init__(
        self,
        movie: MovieFolder,
        changes: Changes | None,
        budget_usd: float | None,
        lock_lease: LockLease | None = None,
    ) -> None:
        """``lock_lease``: the lease a build on workers holds the movie under (the store lock
        of an older epoch is then taken over, see ``store.lock``)."""
        self.movie = movie
        self.budget_usd = budget_usd
        self.budget_reached = False
        self._exit = ExitStack()
        self.snapshot: Snapshot = movie.read_snapshot(changes)
        first_build = not movie.store_exists()
        if first_build:
            # Nothing is stored yet, so the plan needs no store: a refused budget creates none.
            self._plan(EmptyResults(), budget_usd)
        try:
            self.store: Store = self._exit.enter_context(movie.open_store())
            lock = self._exit.enter_context(self.store.lock(lock_lease))
            # Runs before the lock is released: this build's journal is folded while it holds it.
            self._exit.callback(self.store.close_journals)
            self.notices: list[str] = [lock.takeover_message] if lock.takeover_message else []
            # What killed builds left unfolded would be re-read by every later build.
            self.store.fold_journals()
            self.lookup = self._start_from_head(movie, changes)
            self._store_own_media()
            if not first_build or self.lookup.revision is not None or self.lookup.has_results():
                self._plan(self.lookup, budget_usd, self.store)
            if self.snapshot.patched_text is not None:
                _write_moviefile(movie, self.snapshot.patched_text)
            self.up_to_date = planned_outcomes(self.plan) if not self.plan.to_run() else None
            if self.up_to_date is not None and not matches_current(self.up_to_date, self.lookup):
                self.up_to_date = None
        except BaseException:
            self._exit.close()
            raise

    def _store_own_media(self) -> None:
        """Your own media become blobs like generated ones: ``out/``, renders and revisions
        read them from the store."""
        from moviebuild.project.recorder import EXTENSIONS

        for artifact_id in self.snapshot.media:
            kind = self.snapshot.graph.artifacts[artifact_id].kind
            self.store.blobs.put_blob(self.snapshot.overrides[artifact_id], EXTENSIONS[kind])

    def _start_from_head(self, movie: MovieFolder, changes: Changes | None) -> StoreResults:
        """The results of the store's HEAD, the folder brought to it first when another
        machine built since (a store that is not in the folder)."""
        if self.store.is_local:
            return StoreResults(self.store)
        from moviebuild.project.head_sync import follow_head

        head = self.store.read_head()
        if follow_head(movie, self.store, head):
            self.snapshot = movie.read_snapshot(changes)
        return StoreResults(self.store, revision=head)

    def _plan(self, lookup: ResultLookup, budget_usd: float | None,
              store: Store | None = None) -> None:
        """Plan and price the build; ``store``: the movie's, whose call history the LLM
        estimates learn from (none yet when a first build plans)."""
        self.plan: Plan = self.movie.make_plan(snapshot=self.snapshot, lookup=lookup)
        self.pricing = job_pricing(self.plan, self.snapshot.moviefile, store=store)
        self.estimate_usd: dict[str, float] = plan_cost_usd(
            self.plan, self.snapshot.moviefile, self.pricing.learned
        )
        check_budget(sum(self.estimate_usd.values()), budget_usd)
        self.spending = BuildSpending(self.pricing, budget_usd)

    async def run(
        self,
        *,
        on_event: EventSink,
        stop: asyncio.Event | threading.Event | None,
        clock: Clock | None,
        adapters: Mapping[str, Adapter] | None,
        retry: RetryPolicy | None,
        pools: PoolRegistry | None = None,
        wrap_executor: ExecutorWrapper | None = None,
    ) -> tuple[dict[NodeId, JobOutcome], bool, int]:
        """Run the stale jobs; returns the outcomes, whether it was interrupted, the revision.
        ``wrap_executor`` lets distributed workers run the provider calls (see project/run.py).
        ``budget_reached`` says afterwards whether the budget stopped new calls."""
        from moviebuild.project.run import run_scheduler

        revision = self.store.next_revision()
        outcomes, interrupted, self.budget_reached = await run_scheduler(
            self.snapshot,
            self.plan.identities(),
            self.store,
            self.lookup,
            revision,
            on_event=on_event,
            stop=stop,
            clock=clock or RealClock(),
            adapters=adapters,
            retry=retry,
            pools=pools,
            wrap_executor=wrap_executor,
            spending=self.spending,
        )
        return outcomes, interrupted, revision

    async def drive(
        self,
        options: BuildOptions,
        *,
        in_thread: bool,
        wrap_executor: ExecutorWrapper | None = None,
    ) -> BuildReport:
        """Run this session to its report, the one drive of every door: finish at once when up
        to date, else run the stale jobs, then finish. The session is closed (its lock
        released) however it ends. ``in_thread``: finishing (revision, ``out/``) runs in a
        worker thread, so the loop serves other work meanwhile (servers, workers)."""
        import asyncio

        if self.up_to_date is not None:
            outcomes, interrupted, revision = self.up_to_date, False, None
        else:
            try:
                outcomes, interrupted, revision = await self.run(
                    on_event=event_sink(options.get("on_event")),
                    stop=options.get("stop"),
                    clock=options.get("clock"),
                    adapters=options.get("adapters"),
                    retry=options.get("retry"),
                    pools=options.get("pools"),
                    wrap_executor=wrap_executor,
                )
            except BaseException:
                self.close()
                raise
        if in_thread:
            return await asyncio.to_thread(self.finish, outcomes, interrupted, revision)
        return self.finish(outcomes, interrupted, revision)

    def drive_blocking(self, options: BuildOptions) -> BuildReport:
        """``drive`` for code without a running loop; starts none when nothing is stale."""
        if self.up_to_date is not None:
            return self.finish(self.up_to_date)
        import asyncio

        return asyncio.run(self.drive(options, in_thread=False))

    def finish(
        self,
        outcomes: Mapping[NodeId, JobOutcome],
        interrupted: bool = False,
        revision: int | None = None,
    ) -> BuildReport:
        """Write the revision (unless nothing changed), refresh the folder, release the lock."""
        with self._exit:
            self.notices.extend(self.lookup.notices)
            timeline_digest = _timeline_digest(outcomes)
            self.notices.extend(
                build_notices(self.snapshot, self.plan, self.store, timeline_digest)
            )
            costs = build_costs(outcomes, self.plan, self.snapshot.moviefile,
                                self.pricing.learned)
            budget = self._budget_stop(outcomes)
            self._learn(outcomes)
            current, wrote = self.lookup.revision, False
            if interrupted or budget is not None or not matches_current(outcomes, self.lookup):
                current = revision or self.store.next_revision()
                record = self._record(outcomes, interrupted, timeline_digest, costs, budget)
                write_revision(self.store, current, record)
                self.store.write_head(current)
                wrote = True
            timeline = self._refresh_folder(current, wrote)
            return build_report(
                self.plan,
                outcomes,
                interrupted=interrupted,
                revision=current,
                wrote_revision=wrote,
                estimate_usd=self.estimate_usd,
                costs=costs,
                budget=budget,
                notices=self.notices,
                timeline=timeline,
                timeline_digest=timeline_digest,
            )

    def close(self) -> None:
        self._exit.close()

    def _budget_stop(self, outcomes: Mapping[NodeId, JobOutcome]) -> BudgetStop | None:
        """Where the budget stopped the build: what it spent of what, and what is left."""
        if not self.budget_reached or self.budget_usd is None:
            return None
        left = [job for job_id, job in self.snapshot.graph.jobs.items() if job_id not in outcomes]
        budget = BudgetStop(
            self.budget_usd,
            self.spending.spent_usd,
            dict(sorted(Counter(job.producer for job in left).items())),
            sum(self.pricing.estimate_usd(job) for job in left),
        )
        self.notices.append(str(budget))
        return budget

    def _learn(self, outcomes: Mapping[NodeId, JobOutcome]) -> None:
        """The call histories (the movie's in its store, and this machine's) learn this build's
        calls; a provider now answering a model name with another model than before is a
        notice."""
        from moviebuild.project.usage_history import model_notices, record_calls

        calls = list(self._calls(outcomes))
        if not calls:
            return
        self.notices.extend(model_notices(calls, store=self.store))
        record_calls(calls, store=self.store)

    def _calls(self, outcomes: Mapping[NodeId, JobOutcome]) -> Iterator[dict[str, Any]]:
        """One history line per paid call this build made (counts and model names only)."""
        graph = self.snapshot.graph
        for outcome in outcomes.values():
            if outcome.action is not Action.RUN or not outcome.usage:
                continue
            job = graph.jobs[outcome.job_id]
            identity = self.pricing.identity(job)
            size = answer_size(job.producer, self.pricing.fields)
            for usage in outcome.usage:
                yield {"adapter": identity.adapter, "model": identity.model or "",
                       "endpoint": identity.endpoint or "", "producer": job.producer,
                       "size": size, "reported_model": usage.get("model"),
                       **dict(usage.get("units") or {})}

    def _record(
        self,
        outcomes: Mapping[NodeId, JobOutcome],
        interrupted: bool,
        timeline_digest: str | None,
        costs: Mapping[str, ProviderCost],
        budget: BudgetStop | None,
    ) -> RevisionRecord:
        snapshot = self.snapshot
        jobs = {
            job_id: JobRecord.from_outcome(outcomes[job_id])
            for job_id in snapshot.graph.jobs
            if job_id in outcomes
        }
        ran = Counter(
            o.job_id.name
            for o in outcomes.values()
            if o.action is Action.RUN and o.status is JobStatus.DONE
        )
        return RevisionRecord(
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            moviefile=snapshot.moviefile.model_dump(mode="json"),
            moviefile_text=snapshot.moviefile_text,
            overrides={
                a: OverrideRecord(content_digest(v), "", snapshot.media[a])
                if a in snapshot.media
                else OverrideRecord(content_digest(v), v.decode("utf-8"))
                for a, v in snapshot.overrides.items()
            },
            interrupted=interrupted,
            jobs=jobs,
            timeline=timeline_digest,
            summary=RevisionSummary(
                ran=dict(ran),
                reused=sum(1 for o in outcomes.values() if o.action is Action.REUSE),
                failed=tuple(
                    FailureRecord(o.job_id, o.error, o.retryable)
                    for o in outcomes.values()
                    if o.status is JobStatus.NEEDS_ATTENTION
                ),
                blocked=tuple(o.job_id for o in outcomes.values() if o.status is JobStatus.BLOCKED),
                cost_usd=round(sum(c.billed_usd for c in costs.values()), 6),
                notices=tuple(self.notices),
                costs=dict(costs),
                price_table=PRICE_TABLE_VERSION,
                budget=budget,
            ),
            variant=self.movie.variant,
        )

    def _refresh_folder(self, revision: int | None, wrote: bool) -> str | None:
        """``out/`` and ``prompts/`` from the current revision; the caller's overrides stay
        pinned in ``prompts/``, as edits there would. Returns the timeline's file. ``wrote``:
        whether this build wrote the revision; when not, the current one is the lookup's (read
        under the same lock), whose record is not read again."""
        from moviebuild.project.export import export_outputs
        from moviebuild.project.own_media import place_file
        from moviebuild.project.prompts import pin_slots, reset_slots

        held = None if wrote else self.lookup.current_outputs()
        exported = export_outputs(self.movie, store=self.store, outputs=held)
        if not self.store.is_local:
            from moviebuild.project.head_sync import note_held_revision

            note_held_revision(self.movie.folder, revision)
        if self.snapshot.new_overrides:
            pin_slots(self.movie.folder, self.snapshot.new_overrides)
        for media in self.snapshot.new_files:
            place_file(self.movie.folder, media)
        for artifact_id in self.snapshot.reset:
            reset_slots(self.movie.folder, self.movie.graph, str(artifact_id))
        self.notices.extend(exported.notices)
        if exported.timeline is None:
            return None
        return exported.timeline.relative_to(self.movie.folder).as_posix()


def _timeline_digest(outcomes: Mapping[NodeId, JobOutcome]) -> str | None:
    assembler = outcomes.get(NodeId("TimelineAssembler"))
    return assembler.outputs.get("Timeline") if assembler is not None else None


def _write_moviefile(movie: MovieFolder, text: str) -> None:
    from moviebuild.config.load import MOVIEFILE_NAME
    from moviebuild.project.folder_files import write_file

    write_file(movie.folder, MOVIEFILE_NAME, text.encode("utf-8"))


def build_movie(
    movie: MovieFolder, changes: Changes | None = None, **options: Unpack[BuildOptions]
) -> BuildReport:
    """Build ``movie`` with ``changes`` (see ``BuildOptions``); a build with nothing to do
    starts no event loop."""
    return BuildSession(movie, changes, options.get("budget_usd")).drive_blocking(options)


async def build_movie_async(
    movie: MovieFolder, changes: Changes | None = None, **options: Unpack[BuildOptions]
) -> BuildReport:
    """``build_movie`` inside a running event loop (servers, workers): reading the inputs,
    planning, writing the revision and refreshing the folder run in a worker thread, so the
    loop keeps serving other work meanwhile; provider calls run on the loop."""
    import asyncio

    session = await asyncio.to_thread(BuildSession, movie, changes, options.get("budget_usd"))
    return await session.drive(options, in_thread=True)


def event_sink(on_event: EventCallback | None) -> EventSink:
    """The scheduler's sink that hands ``on_event`` each event in its published form."""
    if on_event is None:
        return ignore_events

    # Imported here: a build with nothing to do sends no event and need not import their models.
    from moviebuild.project.events import from_engine

    def sink(event: EngineEvent) -> None:
        on_event(from_engine(event))

    return sink
