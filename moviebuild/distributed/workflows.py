"""The two DBOS workflows: a build (plan once, run the movie's scheduler with provider calls
dispatched to the pools' queues, write the revision, refresh the folder, exactly as a local build
does through project/build.py) and a job (one provider call, see ``job``).

A build workflow has no DBOS steps on purpose: its scheduler starts calls in the order they
finish, which no replay could reproduce. A build that runs again after its worker died plans
again from the store instead: finished jobs are found by key, calls it had started are found by
their workflow ids. Only the call itself is paid once.
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

from moviebuild.distributed.dispatch import JOB_WORKFLOW, Dispatcher, DispatchingExecutor
from moviebuild.distributed.job import JobTicket, run_ticket
from moviebuild.engine.interfaces import JobExecutor
from moviebuild.engine.outcome import JobOutcome
from moviebuild.errors import ConfigError, MovieBuildError
from moviebuild.graph import NodeId
from moviebuild.project.executor import ProviderExecutor
from moviebuild.project.result import BuildResult
from moviebuild.store import Store

BUILD_WORKFLOW = "moviebuild.build"
_planning = threading.Lock()
BUILD_TICKET_VERSION = 1

log = logging.getLogger("moviebuild.worker")


@dataclass(frozen=True)
class BuildTicket:
    """A build request as DBOS stores it: the movie folder (on storage every worker shares) and
    the changes, as ``movie.build(changes, budget_usd=...)`` takes them."""

    folder: str
    config: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, str | None] = field(default_factory=dict)
    redo: list[str] = field(default_factory=list)
    budget_usd: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": BUILD_TICKET_VERSION,
            "folder": self.folder,
            "config": self.config,
            "overrides": self.overrides,
            "redo": self.redo,
            "budget_usd": self.budget_usd,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> BuildTicket:
        return cls(
            folder=value["folder"],
            config=dict(value.get("config") or {}),
            overrides=dict(value.get("overrides") or {}),
            redo=list(value.get("redo") or []),
            budget_usd=value.get("budget_usd"),
        )


class _Process:
    """What the workflows of this process share: the dispatcher, and counts for the heartbeat."""

    dispatcher: Dispatcher | None = None
    root: Path | None = None
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
    process.jobs_running += 1
    try:
        answer = await run_ticket(ticket)
    finally:
        process.jobs_running -= 1
        process.jobs_done += 1
    outcome = "done" if answer.error is None else f"failed: {answer.error}"
    log.info(
        "job %s %s in %.2f s (%s)", ticket.job, outcome, time.monotonic() - started,
        ticket.store_url,
    )
    return answer.to_json()


async def _in_daemon_thread(work: Callable[[], BuildResult], name: str) -> BuildResult:
    """Run ``work`` on a daemon thread: a worker that drains and exits does not wait for the
    builds it runs (they wait on calls); they stay pending in DBOS and a live worker recovers
    them, exactly as after a crash."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[BuildResult] = loop.create_future()

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
    future: asyncio.Future[BuildResult], result: BuildResult | None, exc: BaseException | None
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


async def _watch_cancel(build_id: str, dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    """Set ``stop`` once the build's workflow is cancelled (``ClusterBackend.cancel``): the
    scheduler then starts no new call, lets those in flight finish and writes an interrupted
    revision, as a cancelled local build does. A build workflow has no DBOS steps, so DBOS
    itself never interrupts it."""
    interval_s = max(0.5, dispatcher.settings.poll_interval_s)
    while True:
        await asyncio.sleep(interval_s)
        try:
            found = await asyncio.to_thread(
                dispatcher.client.list_workflows,
                workflow_ids=[build_id], load_input=False, load_output=False,
            )
        except Exception:  # the database blinked; the next look asks again
            continue
        if found and found[0].status == "CANCELLED":
            log.info("build %s cancelled: stopping after the calls in flight", build_id)
            stop.set()
            return


async def run_build(ticket: BuildTicket, build_id: str, dispatcher: Dispatcher) -> dict[str, Any]:
    """One build of ``ticket.folder`` through project/build.py; its summary, or its error."""
    from moviebuild.project.build import BuildSession
    from moviebuild.project.changes import Changes
    from moviebuild.project.movie import Movie

    changes = Changes(config=ticket.config, overrides=ticket.overrides, redo=ticket.redo)

    def build() -> BuildResult:
        # Planning is CPU work: one build plans at a time, so the first builds start calling
        # while the others plan. Then the build's scheduler runs on a loop of its own, so its
        # journal writes (fsynced per line) never hold up the job workflows of this worker.
        with _planning:
            movie = Movie.open(movie_folder(ticket.folder, process.root))
            session = BuildSession(movie, changes, ticket.budget_usd)
        if session.up_to_date is not None:
            return session.finish(session.up_to_date)

        def dispatching(executor: ProviderExecutor, store: Store, rev: int) -> JobExecutor:
            return DispatchingExecutor(executor, store, rev, build_id, dispatcher)

        try:
            async def run_until_cancelled() -> tuple[dict[NodeId, JobOutcome], bool, int]:
                stop = asyncio.Event()
                watching = asyncio.create_task(_watch_cancel(build_id, dispatcher, stop))
                try:
                    return await session.run(
                        on_event=lambda _event: None,
                        stop=stop,
                        clock=None,
                        adapters=None,
                        retry=None,
                        wrap_executor=dispatching,
                    )
                finally:
                    watching.cancel()

            outcomes, interrupted, revision = asyncio.run(run_until_cancelled())
        except BaseException:
            session.close()
            raise
        return session.finish(outcomes, interrupted, revision)

    try:
        result = await _in_daemon_thread(build, f"build-{build_id}")
    except MovieBuildError as exc:
        log.warning("build %s of %s failed: %s", build_id, ticket.folder, exc.message)
        return {"status": "failed", "error": exc.message, "hint": exc.hint}
    summary = result.summary()
    log.info("build %s of %s %s, revision %s", build_id, ticket.folder, summary["status"],
             summary["revision"])
    return summary
