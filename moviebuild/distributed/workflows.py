"""The two DBOS workflows: a build (plan once, run the movie's scheduler with provider calls
dispatched to the pools' queues, write the revision, refresh the folder, exactly as a local build
does through project/build.py) and a job (one provider call, see ``job``).

A build workflow has no DBOS steps on purpose: its scheduler starts calls in the order they
finish, which no replay could reproduce. A build that runs again after its worker died plans
again from the store instead: finished jobs are found by key, calls it had started are found by
their workflow ids. Only the call itself is paid once.

A build first takes its movie's lease (``lease``), waiting while another live build holds it, and
builds under it: the store lock carries the lease's epoch, every journal line waits for the
worker's fence, and the revision and HEAD are written only while the lease's epoch is still the
build's. A call starts only while its build holds the lease and is not cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbos import DBOS

from moviebuild.distributed.dispatch import (
    JOB_WORKFLOW,
    Dispatcher,
    DispatchingExecutor,
    admission_pools,
)
from moviebuild.distributed.fence import Fence
from moviebuild.distributed.guarded import GuardedExecutor
from moviebuild.distributed.job import JobAnswer, JobTicket, refuse, run_ticket
from moviebuild.distributed.lease import Lease, LeaseLost, Leases
from moviebuild.engine.interfaces import JobExecutor
from moviebuild.errors import ConfigError, LockHeld, MovieBuildError
from moviebuild.project.build import BuildSession
from moviebuild.project.executor import ProviderExecutor
from moviebuild.project.reports import BuildReport
from moviebuild.store import Store
from moviebuild.store.lock import LockLease

BUILD_WORKFLOW = "moviebuild.build"
_planning = threading.Lock()
BUILD_TICKET_VERSION = 1
#: How long a build waits for a movie lock taken outside the cluster (a local build) before it
#: fails with the lock's holder as the reason.
LOCK_WAIT_S = 60.0

log = logging.getLogger("moviebuild.worker")


@dataclass(frozen=True)
class BuildTicket:
    """A build request as DBOS stores it: the movie folder (relative to the workers' root: a
    folder every worker shares, or each host's cache of an S3 root) and the changes, as
    ``movie.build(changes, budget_usd=...)`` takes them."""

    folder: str
    config: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, str | None] = field(default_factory=dict)
    redo: list[str] = field(default_factory=list)
    budget_usd: float | None = None
    variant: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": BUILD_TICKET_VERSION,
            "folder": self.folder,
            "config": self.config,
            "overrides": self.overrides,
            "redo": self.redo,
            "budget_usd": self.budget_usd,
        } | ({"variant": self.variant} if self.variant else {})

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> BuildTicket:
        return cls(
            folder=value["folder"],
            config=dict(value.get("config") or {}),
            overrides=dict(value.get("overrides") or {}),
            redo=list(value.get("redo") or []),
            budget_usd=value.get("budget_usd"),
            variant=value.get("variant"),
        )


class _Process:
    """What the workflows of this process share: the dispatcher, the worker's fence and its
    leases, and counts for the heartbeat."""

    dispatcher: Dispatcher | None = None
    root: Path | None = None
    #: Where a ticket's movie is on this host when the root is not a shared folder: its
    #: cached folder under ``root``, restored from the root's store when missing.
    cached_folder: Callable[[str], Path] | None = None
    executor_id = ""
    fence: Fence | None = None
    leases: Leases | None = None
    jobs_done = 0
    jobs_running = 0


process = _Process()


@DBOS.workflow(name=BUILD_WORKFLOW)
async def build_workflow(request: dict[str, Any]) -> dict[str, Any]:
    build_id = DBOS.workflow_id
    assert build_id is not None and process.dispatcher is not None
    return await run_build(BuildTicket.from_json(request), build_id, process.dispatcher)


@DBOS.workflow(name=JOB_WORKFLOW)
async def job_workflow(request: dict[str, Any]) -> dict[str, Any]:
    ticket = JobTicket.from_json(request)
    started = time.monotonic()
    incarnation = process.fence.incarnation if process.fence is not None else 0
    refusal = await asyncio.to_thread(_refusal, ticket, incarnation)
    if refusal is not None:
        log.info("job %s not started: %s", ticket.job, refusal)
        return JobAnswer(error=refusal, not_started=True).to_json()

    async def ready() -> None:
        # Checked again just before the provider is called (after reading the inputs), with
        # no thread hop between the check and the call: a pause in between is all it misses.
        fence = process.fence
        while fence is not None and not fence.holds(incarnation):
            await asyncio.to_thread(fence.wait, incarnation, f"calling {ticket.job}")

    def guard() -> None:
        # Around the journal line written just before a create is sent: a worker paused
        # after ``ready`` wakes up here with its fence expired and sends nothing.
        fence = process.fence
        if fence is not None and not fence.holds(incarnation):
            refuse(f"this worker's fence ran out before {ticket.job} was sent")

    process.jobs_running += 1
    try:
        answer = await run_ticket(ticket, ready, guard)
    finally:
        process.jobs_running -= 1
        process.jobs_done += 1
    outcome = "done" if answer.error is None else f"failed: {answer.error}"
    log.info(
        "job %s %s in %.2f s (%s)", ticket.job, outcome, time.monotonic() - started,
        ticket.store_url,
    )
    return answer.to_json()


def _refusal(ticket: JobTicket, incarnation: int) -> str | None:
    """Why the call of ``ticket`` must not start, if it must not: this worker was taken for
    dead, its build was cancelled, or its build no longer holds the movie."""
    fence, leases, dispatcher = process.fence, process.leases, process.dispatcher
    if fence is None or leases is None or dispatcher is None or not ticket.build_id:
        return None  # a ticket from an older release: no lease to check
    try:
        fence.wait(incarnation, f"calling {ticket.job}")
    except LeaseLost as exc:
        return exc.message
    if _cancelled(dispatcher, ticket.build_id):
        return f"build {ticket.build_id} was cancelled before this call started"
    if not leases.holds(ticket.build_id, live=False):
        return f"build {ticket.build_id} no longer holds its movie"
    return None


def _cancelled(dispatcher: Dispatcher, build_id: str) -> bool:
    """Whether ``build_id``'s workflow is cancelled (False while the database cannot say)."""
    try:
        found = dispatcher.client.list_workflows(
            workflow_ids=[build_id], load_input=False, load_output=False
        )
    except Exception:
        return False
    return bool(found) and found[0].status == "CANCELLED"


async def _in_daemon_thread(work: Callable[[], BuildReport], name: str) -> BuildReport:
    """Run ``work`` on a daemon thread: a worker that drains and exits does not wait for the
    builds it runs (they wait on calls); they stay pending in DBOS and a live worker recovers
    them, exactly as after a crash."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[BuildReport] = loop.create_future()

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:
            with contextlib.suppress(RuntimeError):  # the loop is gone: the worker exited
                loop.call_soon_threadsafe(_settle, future, None, exc)
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, future, result, None)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future


def _settle(
    future: asyncio.Future[BuildReport], result: BuildReport | None, exc: BaseException | None
) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        assert result is not None
        future.set_result(result)


def movie_folder(folder: str, root: Path | None) -> Path:
    """The folder of a build's movie: relative to the worker's root, and never outside it."""
    if root is None:
        return Path(folder)
    path = (root / folder).resolve()
    if not path.is_relative_to(root):
        raise ConfigError(
            f"the movie {folder} is outside this worker's root {root}",
            hint="submit movies under the root that every worker mounts",
        )
    return path


async def _watch(
    build_id: str, dispatcher: Dispatcher, guarded: list[GuardedExecutor], stop: asyncio.Event
) -> None:
    """Stop the build once its workflow is cancelled (``ClusterBackend.cancel``): no new call
    starts, the calls in flight finish and are journaled, then the scheduler stops and an
    interrupted revision is written, as a cancelled local build does. A build workflow has no
    DBOS steps, so DBOS itself never interrupts it. The dispatcher's one poller asks for every
    build of this worker at once."""
    try:
        await asyncio.wrap_future(dispatcher.cancelled(build_id))
    finally:
        dispatcher.unwatch(build_id)
    log.info("build %s cancelled: stopping after the calls in flight", build_id)
    for executor in guarded:
        executor.hold()
    for executor in guarded:
        await executor.drained()
    stop.set()


class _CancelledBeforeStart(Exception):
    """The build was cancelled while it waited for its movie."""


def run_leased(
    ticket: BuildTicket, build_id: str, dispatcher: Dispatcher
) -> BuildReport:
    """Take the movie's lease (waiting for another build of it), build under it, release it."""
    fence, leases = process.fence, process.leases
    assert fence is not None and leases is not None
    incarnation = fence.incarnation
    fence.wait(incarnation, f"starting build {build_id}")
    if process.cached_folder is not None:
        # The lease is named by the movie's path under the root, as every host names it.
        folder, movie_key = process.cached_folder(ticket.folder), ticket.folder
    else:
        folder = movie_folder(ticket.folder, process.root)
        movie_key = str(folder.relative_to(process.root)) if process.root else str(folder)
    lease = leases.wait_take(
        movie_key, build_id, process.executor_id, lambda: incarnation, poll_s=1.0,
        give_up=lambda: fence.lost(incarnation) or _cancelled(dispatcher, build_id),
        sleep=time.sleep,
    )
    if lease is None:
        fence.wait(incarnation, f"starting build {build_id}")  # raises LeaseLost if lost
        raise _CancelledBeforeStart
    try:
        if _cancelled(dispatcher, build_id):
            raise _CancelledBeforeStart
        return _build(ticket, build_id, dispatcher, folder, lease, incarnation)
    finally:
        leases.release(lease)


def _open_session(
    folder: Path, ticket: BuildTicket, lease: Lease, leases: Leases
) -> BuildSession:
    """The build's session under ``lease``; a lock held outside the cluster is waited for."""
    from moviebuild.project.changes import Changes
    from moviebuild.project.movie import Movie

    changes = Changes(config=ticket.config, overrides=ticket.overrides, redo=ticket.redo)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            with _planning:
                movie = Movie.open(folder, variant=ticket.variant)
                return BuildSession(
                    movie, changes, ticket.budget_usd, LockLease(lease.movie, lease.epoch)
                )
        except LockHeld:
            leases.check(lease)  # a newer epoch holds the lock: this build was taken over
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def _build(
    ticket: BuildTicket,
    build_id: str,
    dispatcher: Dispatcher,
    folder: Path,
    lease: Lease,
    incarnation: int,
) -> BuildReport:
    fence, leases = process.fence, process.leases
    assert fence is not None and leases is not None
    # Planning is CPU work: one build plans at a time, so the first builds start calling
    # while the others plan. Then the build's scheduler runs on a loop of its own, so its
    # journal writes (fsynced per line) never hold up the job workflows of this worker.
    session = _open_session(folder, ticket, lease, leases)

    def guard(kind: str) -> None:
        fence.wait(incarnation, f"writing the {kind}")
        if kind != "journal":
            leases.check(lease)

    session.store.write_guard = guard
    guarded: list[GuardedExecutor] = []

    def dispatching(executor: ProviderExecutor, store: Store, rev: int) -> JobExecutor:
        inner = DispatchingExecutor(executor, store, rev, build_id, dispatcher)
        guarded.append(GuardedExecutor(inner, fence, incarnation))
        return guarded[-1]

    try:
        async def run_until_stopped() -> BuildReport:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()

            def on_end(ended: int) -> None:
                if ended == incarnation:
                    loop.call_soon_threadsafe(stop.set)

            unsubscribe = fence.on_end(on_end)
            watching = asyncio.create_task(_watch(build_id, dispatcher, guarded, stop))
            try:
                pools = admission_pools(session.snapshot, dispatcher.queues.limits)
                return await session.drive(
                    {"stop": stop, "pools": pools},
                    in_thread=False,
                    wrap_executor=dispatching,
                )
            finally:
                watching.cancel()
                unsubscribe()

        return asyncio.run(run_until_stopped())
    except BaseException:
        session.close()  # a no-op when the drive already closed it
        raise


async def run_build(ticket: BuildTicket, build_id: str, dispatcher: Dispatcher) -> dict[str, Any]:
    """One build of ``ticket.folder`` through project/build.py: its ``BuildReport`` (as
    ``model_dump``), or its error."""
    try:
        report = await _in_daemon_thread(
            lambda: run_leased(ticket, build_id, dispatcher), f"build-{build_id}"
        )
    except _CancelledBeforeStart:
        log.info("build %s of %s cancelled before it started", build_id, ticket.folder)
        return {"status": "cancelled", "revision": None}
    except MovieBuildError as exc:
        log.warning("build %s of %s failed: %s", build_id, ticket.folder, exc.message)
        return {"status": "failed", "error": exc.message, "hint": exc.hint}
    log.info("build %s of %s %s, revision %s", build_id, ticket.folder, report.outcome,
             report.revision)
    return report.model_dump(mode="json")
