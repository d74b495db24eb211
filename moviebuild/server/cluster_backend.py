"""The server's second execution backend (``moviebuild serve --database``): each build is handed to
``moviebuild worker`` processes as a DBOS workflow through ``ClusterBackend`` and followed by
polling, with the journal the workers write replayed into the movie's events and the workers'
answer written to the build's record, as the in-process backend does.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus
from moviebuild.errors import MovieBuildError
from moviebuild.graph import NodeId, parse_node_id
from moviebuild.project.records import JobEnded, JobStarted, JournalEvent, read_events
from moviebuild.project.reports import BuildReport
from moviebuild.server.backend import BuildBackend, BuildListener, MovieRef
from moviebuild.server.builds import BuildBook, failed_document, finished_document, now_text
from moviebuild.server.events import EventLog, EventLogs
from moviebuild.server.models import BuildDocument

if TYPE_CHECKING:
    from moviebuild.distributed.backend import BuildStatus, ClusterBackend
    from moviebuild.distributed.heartbeat import WorkerRow
    from moviebuild.server.context import BackendFactory
    from moviebuild.store import Store

log = logging.getLogger("moviebuild.server")

#: Journal lines as streamed events: an ``end`` line by its job's status (reused jobs are noise).
_ENDED = {
    JobStatus.DONE: "job-finished",
    JobStatus.NEEDS_ATTENTION: "job-failed",
    JobStatus.BLOCKED: "job-blocked",
}


def workflow_id(ref: MovieRef, build_id: str) -> str:
    """The DBOS workflow id of a server build: unique per root, stable across restarts."""
    return f"{ref.tenant}/{ref.movie_id}/{build_id}"


def summary_document(build: BuildDocument, answer: dict[str, Any]) -> BuildDocument:
    """``build`` with the workers' answer: the build's ``BuildReport`` (as ``model_dump``), or
    the error that stopped it, or that it was cancelled before it started."""
    if answer.get("status") == "cancelled":
        return build.model_copy(update={"status": "cancelled", "finished": now_text()})
    if answer.get("error") is not None or "outcome" not in answer:
        return failed_document(build, str(answer.get("error") or "the build gave no report"))
    return finished_document(build, BuildReport.model_validate(answer))


def cluster_factory(
    cluster: ClusterBackend, workers_root: Path, *, shared_folders: bool = True
) -> BackendFactory:
    """What ``make_server`` calls to put its builds on ``cluster``'s workers."""

    def make(logs: EventLogs, listeners: list[BuildListener]) -> BuildBackend:
        return ClusterBuildBackend(
            cluster, workers_root, logs, listeners=listeners,
            poll_s=max(0.2, cluster.settings.poll_interval_s), shared_folders=shared_folders,
        )

    return make


class JournalReplay:
    """The job events of one build, read from the journal the workers append to: the first
    journal newer than ``after`` (a movie's lock lets one build write at a time)."""

    def __init__(self, folder: Path, build_id: str, after: int) -> None:
        self.folder, self.build_id, self.after = folder, build_id, after
        self._store: Store | None = None
        self._revision: int | None = None
        self._seen = 0
        self._blocked: set[str] = set()

    def _open(self) -> Store | None:
        if self._store is None:
            from moviebuild.project.movie import Movie
            from moviebuild.store.store import open_existing_store

            self._store = open_existing_store(Movie.open(self.folder).store_url)
        return self._store

    def last_journal(self) -> int:
        store = self._open()
        return max(store.list_journals(), default=0) if store is not None else 0

    def new_events(self) -> list[tuple[str, dict[str, Any]]]:
        """Events of the lines appended since the last call."""
        store = self._open()
        if store is None:
            return []
        if self._revision is None:
            newer = [rev for rev in store.list_journals() if rev > self.after]
            if not newer:
                return []
            self._revision = min(newer)
        lines, _damaged = read_events(store, self._revision)
        fresh, self._seen = lines[self._seen :], len(lines)
        return [found for line in fresh if (found := self._event(line)) is not None]

    def _event(self, line: JournalEvent) -> tuple[str, dict[str, Any]] | None:
        if isinstance(line, JobStarted):
            return "job-started", self._data(line.job)
        if not isinstance(line, JobEnded) or line.record.action is Action.REUSE:
            return None
        record = line.record
        kind = _ENDED.get(record.status)
        if kind is None:
            return None
        if kind == "job-blocked":
            self._blocked.add(str(record.job))
        data = self._data(record.job)
        if record.error:
            data["message"] = record.error
        return kind, data

    def blocked_events(self, blocked: list[str]) -> list[tuple[str, dict[str, Any]]]:
        """``job-blocked`` for each of the build's ``blocked`` jobs the journal did not name (a
        blocked job is written to the revision, not always to the journal)."""
        return [
            ("job-blocked", self._data(parse_node_id(job)))
            for job in blocked
            if job not in self._blocked
        ]

    def _data(self, job: NodeId) -> dict[str, Any]:
        return {"build": self.build_id, "job": str(job), "producer": job.name}

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


@dataclass
class _Following:
    build_id: str
    task: asyncio.Task[None] | None = None


class ClusterBuildBackend:
    """``BuildBackend`` over ``ClusterBackend``. ``workers_root`` is the folder every worker
    mounts as its ``--root`` (the server's root), or with an S3 root this server's cache, whose
    layout each worker's cache repeats (``shared_folders`` False: what the server writes in a
    movie folder, other than through the store, never reaches the workers). Movies are sent
    relative to it. Every DBOS call runs in a thread, so the server's loop never waits on the
    database."""

    def __init__(
        self,
        cluster: ClusterBackend,
        workers_root: Path,
        logs: EventLogs,
        *,
        listeners: list[BuildListener] | None = None,
        poll_s: float = 0.5,
        shared_folders: bool = True,
    ) -> None:
        self.cluster = cluster
        self.shared_folders = shared_folders
        self.workers_root = workers_root.resolve()
        self.logs = logs
        self.listeners = list(listeners or [])
        self.poll_s = poll_s
        self._following: dict[MovieRef, _Following] = {}
        from moviebuild.distributed.backend import StatusBoard

        # Every followed build's status in one query per round, not one query per build.
        self._statuses = StatusBoard(cluster, window_s=poll_s / 2)

    def running(self, ref: MovieRef) -> str | None:
        found = self._following.get(ref)
        return found.build_id if found else None

    def running_count(self, tenant: str) -> int:
        return sum(1 for ref in list(self._following) if ref.tenant == tenant)

    def start(self, ref: MovieRef, build: BuildDocument) -> None:
        entry = _Following(build.id)
        self._following[ref] = entry
        entry.task = asyncio.get_running_loop().create_task(self._follow(ref, build))
        entry.task.add_done_callback(lambda _t: self._forget(ref, build.id))

    def _forget(self, ref: MovieRef, build_id: str) -> None:
        found = self._following.get(ref)
        if found is not None and found.build_id == build_id:
            del self._following[ref]

    def cancel(self, ref: MovieRef, build_id: str) -> bool:
        """Cancel the build's workflow; its record turns ``cancelled`` once its worker has
        released the movie (the build is followed, so ``running`` names it, until then)."""
        if self.running(ref) != build_id:
            return False
        asyncio.get_running_loop().run_in_executor(None, self._cancel, workflow_id(ref, build_id))
        return True

    def _cancel(self, workflow: str) -> None:
        try:
            self.cluster.cancel(workflow)
        except Exception:
            log.exception("could not cancel build %s", workflow)

    def workers(self) -> list[WorkerRow]:
        return self.cluster.workers()

    async def shutdown(self, grace_s: float) -> None:
        """Stop following; the builds go on on the workers and the next start follows them
        again (their records stay queued or running)."""
        tasks = [e.task for e in list(self._following.values()) if e.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(self.cluster.close)

    async def _watch(
        self,
        workflow: str,
        build: BuildDocument,
        book: BuildBook,
        events: EventLog,
        replay: JournalReplay,
    ) -> BuildDocument:
        """Poll the build's workflow until it ends, streaming its journal once it runs; the
        build's record as it ended. A database that blinks is asked again at the next poll."""
        started = False
        while True:
            try:
                found: BuildStatus | None = await self._statuses.status(workflow)
            except Exception as exc:
                log.warning("could not ask for build %s (%s); asking again", workflow, exc)
                await asyncio.sleep(self.poll_s)
                continue
            state = found.state if found is not None else "queued"
            if state != "queued" and not started:
                started = True
                build = build.model_copy(update={"status": "running", "error": None})
                await asyncio.to_thread(book.save, build)
                events.append("build-started", {"build": build.id})
            if started:
                try:
                    for kind, data in await asyncio.to_thread(replay.new_events):
                        events.append(kind, data)
                except MovieBuildError as exc:  # the next poll reads on from the same line
                    log.warning("could not read the journal of build %s: %s", workflow,
                                exc.message)
            # Cancelled only once the worker let the movie go: its calls in flight are journaled
            # and a build posted now does not meet this one's lock.
            if (
                found is not None
                and found.state == "cancelled"
                and await asyncio.to_thread(self._released, workflow)
            ):
                for kind, data in await asyncio.to_thread(replay.new_events):
                    events.append(kind, data)
                return build.model_copy(update={"status": "cancelled", "finished": now_text()})
            if found is not None and found.state == "finished":
                build = summary_document(build, found.answer or {})
                blocked = [job.id for job in build.report.blocked()] if build.report else []
                for kind, data in replay.blocked_events(blocked):
                    events.append(kind, data)
                return build
            await asyncio.sleep(self.poll_s)

    def _released(self, workflow: str) -> bool:
        try:
            return not self.cluster.holding(workflow)
        except Exception as exc:
            log.warning("could not ask whether build %s let its movie go (%s); asking again",
                        workflow, exc)
            return False

    def _ticket_folder(self, ref: MovieRef) -> str:
        folder = ref.folder.resolve()
        if folder.is_relative_to(self.workers_root):
            return str(folder.relative_to(self.workers_root))
        return str(folder)  # the workers refuse it, and the build's record says why

    async def _follow(self, ref: MovieRef, build: BuildDocument) -> None:
        from moviebuild.distributed.workflows import BuildTicket

        book = BuildBook(ref.records, ref.movie_id)
        events = self.logs.for_folder(ref.records)
        request = build.changes
        ticket = BuildTicket(
            self._ticket_folder(ref), dict(request.config), dict(request.overrides),
            list(request.redo), request.budget_usd, request.variant,
        )
        replay = JournalReplay(ref.folder, build.id, 0)
        try:
            replay.after = await asyncio.to_thread(replay.last_journal)
            workflow = workflow_id(ref, build.id)
            await asyncio.to_thread(self.cluster.start, workflow, ticket)
            build = await self._watch(workflow, build, book, events, replay)
        except asyncio.CancelledError:
            raise  # the server is stopping: the record stays unfinished and is followed again
        except MovieBuildError as exc:
            build = failed_document(build, exc.message)
        except Exception:
            log.exception("following build %s of %s/%s failed", build.id, ref.tenant, ref.movie_id)
            build = failed_document(
                build, "the server lost track of the build; its log has the details"
            )
        finally:
            replay.close()
        await asyncio.to_thread(book.save, build)
        events.append(
            "build-finished",
            {"build": build.id, "status": build.status, "revision": build.revision},
        )
        for listener in self.listeners:
            try:
                listener(ref, build)
            except Exception:
                log.exception("a build listener failed")
