"""A ``moviebuild worker`` process: it runs build and job workflows from every queue, writes its
heartbeat row from a thread of its own (``fence.Beats``), and recovers the workflows of workers
that went silent. A database that restarts is waited for, never a reason to exit.

On SIGTERM (``stop`` set) it stops taking work, gives running workflows ``grace_s`` to finish,
and marks itself stopped, so a live worker recovers at once whatever was left (a build waiting on
calls is moved, not lost).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from moviebuild.distributed.settings import ClusterSettings

log = logging.getLogger("moviebuild.worker")

#: Connections of a worker's dispatcher (enqueuing calls, polling for their answers).
DISPATCH_CONNECTIONS = 2


@dataclass
class Worker:
    settings: ClusterSettings
    executor_id: str = ""
    grace_s: float = 30.0
    root: Path | None = None
    local_slots: int | None = None
    #: With an S3 root: a ticket's movie folder in this host's cache (``root`` is the cache).
    cached_folder: Callable[[str], Path] | None = None

    def __post_init__(self) -> None:
        self.executor_id = self.executor_id or f"worker-{uuid.uuid4().hex[:12]}"

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, then drain and leave."""
        from moviebuild.distributed import runtime

        runtime.import_dbos()
        from moviebuild.distributed.dispatch import Dispatcher
        from moviebuild.distributed.fence import Beats, Fence
        from moviebuild.distributed.heartbeat import WorkerTable
        from moviebuild.distributed.lease import Leases
        from moviebuild.distributed.pg import Database
        from moviebuild.distributed.queues import ensure_build_queue
        from moviebuild.distributed.upkeep import Upkeep
        from moviebuild.distributed.workflows import process

        settings = self.settings
        # A worker is many threads (DBOS's queue pollers, builds, the answer poller) around one
        # event loop; a short switch interval hands the GIL back to whoever has I/O done sooner.
        sys.setswitchinterval(0.001)
        await asyncio.to_thread(_load_build_code)
        table = await asyncio.to_thread(WorkerTable, settings.database_url)
        fence = Fence(valid_s=settings.dead_after_s / 2)
        beats = Beats(
            table, fence, self.executor_id, settings.version,
            heartbeat_s=settings.heartbeat_s, dead_after_s=settings.dead_after_s,
            counts=lambda: (process.jobs_running, process.jobs_done),
            recover=self._recover,
        )
        # The first beat before the first dequeue, from the heartbeat thread's own connection.
        await asyncio.to_thread(beats.join)
        beats.start()
        leases = Leases(Database(settings.database_url))
        process.fence, process.leases, process.executor_id = fence, leases, self.executor_id
        process.root, process.cached_folder = self.root, self.cached_folder
        try:
            runtime.launch(settings, self.executor_id)
        except BaseException:
            beats.stop("stopped")
            raise
        # The dispatcher's own connections: enqueuing calls and the one thread that polls for
        # their answers.
        dispatcher = Dispatcher(
            runtime.make_client(settings, DISPATCH_CONNECTIONS), settings, self.local_slots
        )
        process.dispatcher = dispatcher
        await ensure_build_queue(settings.poll_interval_s)
        # The operator's limits, applied to the pool queues now and re-read every few seconds.
        upkeep = Upkeep(settings, self.executor_id, dispatcher.queues.update, dispatcher.client)
        await asyncio.to_thread(upkeep.sync)
        upkeep.start()
        log.info("worker %s up (version %s)", self.executor_id, settings.version)
        # DBOS takes over the loop's default executor and shuts it down with itself: what
        # comes after runs on a thread of its own.
        leaving = ThreadPoolExecutor(1, thread_name_prefix="moviebuild-leaving")
        loop = asyncio.get_running_loop()
        try:
            await stop.wait()
            log.info("worker %s draining (grace %.0f s)", self.executor_id, self.grace_s)
            beats.state = "draining"
            await loop.run_in_executor(leaving, beats.beat_once)
            await loop.run_in_executor(leaving, runtime.shutdown, self.grace_s)
        finally:
            upkeep.stop()
            process.dispatcher.close()
            await loop.run_in_executor(leaving, beats.stop, "stopped")
            table.close()
            leases.db.close()
            leaving.shutdown()
        log.info("worker %s stopped", self.executor_id)

    def _recover(self, dead: list[str]) -> None:
        from moviebuild.distributed import runtime

        count = runtime.recover_workflows_of(dead)
        log.info("recovered %d workflows of %s", count, ", ".join(dead))


def _load_build_code() -> None:
    """Import what a build and a call use before taking work, so the first build of a new
    worker does not wait for imports."""
    import moviebuild.project.build
    import moviebuild.project.executor
    import moviebuild.project.run  # noqa: F401
    from moviebuild.distributed.job import _blueprints

    _blueprints()
