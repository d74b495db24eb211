"""Where a server's builds execute, behind one small interface (``BuildBackend``) so a second
backend (workers across machines) slots in. ``InProcessBackend`` runs each build as a task on the
server's event loop with the CLI's scheduler and one set of provider pools for every movie, so
two movies share each provider's limits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from moviebuild.errors import MovieBuildError
from moviebuild.project.events import BuildEvent
from moviebuild.server.builds import BuildBook, failed_document, finished_document
from moviebuild.server.events import STREAMED, EventLogs, stream_data
from moviebuild.server.models import BuildDocument

log = logging.getLogger("moviebuild.server")


@dataclass(frozen=True)
class MovieRef:
    """A movie of a tenant, with its folders (already validated by the root)."""

    tenant: str
    movie_id: str
    folder: Path = field(compare=False)
    records: Path = field(compare=False)


#: Called with every build that ends (webhooks listen here).
BuildListener = Callable[[MovieRef, BuildDocument], None]


class BuildBackend(Protocol):
    """Runs builds. ``start`` returns at once; the build's record and events tell the rest."""

    def running(self, ref: MovieRef) -> str | None:
        """The id of the build of ``ref`` that runs now, if any."""
        ...

    def running_count(self, tenant: str) -> int: ...

    def start(self, ref: MovieRef, build: BuildDocument) -> None: ...

    def cancel(self, ref: MovieRef, build_id: str) -> bool:
        """Ask a running build to stop; True if it was running."""
        ...

    async def shutdown(self, grace_s: float) -> None:
        """Stop every build: in-flight calls get ``grace_s`` to finish, the rest is recorded
        as interrupted (resumed on the next start)."""
        ...


@dataclass
class _Running:
    build_id: str
    stop: asyncio.Event
    cancelled: bool = False
    task: asyncio.Task[None] | None = None


class InProcessBackend:
    """Builds as tasks on one build loop, in a thread of this process, with one set of pools.

    The loop serving HTTP stays apart: a build's blocking moments (journal and blob fsyncs,
    planning) never hold up requests. ``build_options`` go to ``Movie.build_async`` (tests pass a
    fake adapter and a clock); ``listeners`` are called on the build loop as each build ends
    (tasks they start there are cancelled by ``shutdown``)."""

    def __init__(
        self,
        logs: EventLogs,
        *,
        build_options: Mapping[str, Any] | None = None,
        listeners: list[BuildListener] | None = None,
    ) -> None:
        from moviebuild.project.run import PoolRegistry

        self.logs = logs
        self.pools: PoolRegistry = {}
        self.build_options = dict(build_options or {})
        self.listeners = list(listeners or [])
        self._running: dict[MovieRef, _Running] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def running(self, ref: MovieRef) -> str | None:
        found = self._running.get(ref)
        return found.build_id if found else None

    def running_count(self, tenant: str) -> int:
        return sum(1 for ref in list(self._running) if ref.tenant == tenant)

    def _build_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            # Media work (offline providers) and build bookkeeping run in this loop's threads:
            # one per core, so builds cannot crowd out the threads answering requests.
            loop.set_default_executor(
                ThreadPoolExecutor(os.cpu_count() or 2, thread_name_prefix="moviebuild-build")
            )
            thread = threading.Thread(
                target=loop.run_forever, name="moviebuild-builds", daemon=True
            )
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    def start(self, ref: MovieRef, build: BuildDocument) -> None:
        entry = _Running(build.id, asyncio.Event())
        self._running[ref] = entry
        future = asyncio.run_coroutine_threadsafe(
            self._run(ref, build, entry), self._build_loop()
        )
        future.add_done_callback(lambda _f: self._forget(ref, build.id))

    def _forget(self, ref: MovieRef, build_id: str) -> None:
        found = self._running.get(ref)
        if found is not None and found.build_id == build_id:
            del self._running[ref]

    def cancel(self, ref: MovieRef, build_id: str) -> bool:
        found = self._running.get(ref)
        if found is None or found.build_id != build_id or self._loop is None:
            return False
        found.cancelled = True
        self._loop.call_soon_threadsafe(found.stop.set)
        return True

    async def shutdown(self, grace_s: float) -> None:
        """Close every pool to new calls, let the calls in flight finish (up to ``grace_s``),
        then stop the builds: each records an interrupted revision of what finished."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        stopping = asyncio.run_coroutine_threadsafe(self._stop_builds(grace_s), loop)
        await asyncio.wrap_future(stopping)
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join, 10)
        if not thread.is_alive():
            loop.close()

    async def _stop_builds(self, grace_s: float) -> None:
        from moviebuild.engine.pools import PoolLimits

        running = [entry for entry in list(self._running.values()) if entry.task is not None]
        if running:
            for pool in self.pools.values():
                pool.limits = PoolLimits(0, pool.limits.requests_per_minute)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + grace_s
            while any(p.in_flight for p in self.pools.values()) and loop.time() < deadline:
                await asyncio.sleep(0.05)
            for entry in running:
                entry.stop.set()
            tasks = [entry.task for entry in running if entry.task is not None]
            timeout_s = max(5.0, deadline - loop.time())
            _done, pending = await asyncio.wait(tasks, timeout=timeout_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        leftovers = asyncio.all_tasks() - {asyncio.current_task()}
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)

    async def _run(self, ref: MovieRef, build: BuildDocument, entry: _Running) -> None:
        from moviebuild.project.changes import Changes
        from moviebuild.project.movie import Movie

        entry.task = asyncio.current_task()
        book = BuildBook(ref.records, ref.movie_id)
        events = self.logs.for_folder(ref.records)
        build = build.model_copy(update={"status": "running", "error": None})
        book.save(build)
        events.append("build-started", {"build": build.id})

        def on_event(event: BuildEvent) -> None:
            if event.type in STREAMED:
                events.append(event.type, stream_data(event, build.id))

        request = build.changes
        changes = Changes(
            config=request.config, overrides=request.overrides, redo=request.redo,
            variant=request.variant,
        )
        try:
            movie = Movie.open(ref.folder)
            report = await movie.build_async(
                changes,
                on_event=on_event,
                budget_usd=request.budget_usd,
                stop=entry.stop,
                pools=self.pools,
                **self.build_options,
            )
            build = finished_document(build, report)
            if report.interrupted and entry.cancelled:
                build = build.model_copy(update={"status": "cancelled"})
        except asyncio.CancelledError:
            # The server is going away mid-call: the record stays "running" and the next
            # start resumes it from the journal.
            raise
        except MovieBuildError as exc:
            build = failed_document(build, exc.message)
        except Exception:
            log.exception("build %s of %s/%s failed", build.id, ref.tenant, ref.movie_id)
            build = failed_document(
                build, "the build stopped on an unexpected error; the server log has the details"
            )
        book.save(build)
        # Done before build-finished is out: a client that reads that event may start the next
        # build at once, and must not be told this one still runs.
        self._forget(ref, build.id)
        events.append(
            "build-finished",
            {"build": build.id, "status": build.status, "revision": build.revision},
        )
        for listener in self.listeners:
            try:
                listener(ref, build)
            except Exception:
                log.exception("a build listener failed")

