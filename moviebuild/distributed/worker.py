"""A ``moviebuild worker`` process: it runs build and job workflows from every queue, writes its
heartbeat row, and recovers the workflows of workers that went silent.

On SIGTERM (``stop`` set) it stops taking work, gives running workflows ``grace_s`` to finish,
and marks itself stopped, so a live worker recovers at once whatever was left (a build waiting on
calls is moved, not lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from moviebuild.distributed.settings import ClusterSettings

if TYPE_CHECKING:
    from moviebuild.distributed.heartbeat import WorkerTable

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

    def __post_init__(self) -> None:
        self.executor_id = self.executor_id or f"worker-{uuid.uuid4().hex[:12]}"

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, then drain and leave."""
        from moviebuild.distributed import runtime

        runtime.import_dbos()
        from moviebuild.distributed.dispatch import Dispatcher
        from moviebuild.distributed.heartbeat import WorkerTable
        from moviebuild.distributed.queues import ensure_build_queue
        from moviebuild.distributed.upkeep import Upkeep
        from moviebuild.distributed.workflows import process

        settings = self.settings
        # A worker is many threads (DBOS's queue pollers, builds, the answer poller) around one
        # event loop; a short switch interval hands the GIL back to whoever has I/O done sooner.
        sys.setswitchinterval(0.001)
        await asyncio.to_thread(_load_build_code)
        # Heartbeats get their own thread: DBOS takes over the loop's default executor and
        # shuts it down with itself, and the last beat comes after that.
        beats = ThreadPoolExecutor(2, thread_name_prefix="moviebuild-heartbeat")
        loop = asyncio.get_running_loop()
        table = await loop.run_in_executor(beats, WorkerTable, settings.database_url)
        await loop.run_in_executor(beats, table.join, self.executor_id, settings.version)
        runtime.launch(settings, self.executor_id)
        # The dispatcher's own connections: enqueuing calls and the one thread that polls for
        # their answers.
        dispatcher = Dispatcher(
            runtime.make_client(settings, DISPATCH_CONNECTIONS), settings, self.local_slots
        )
        process.dispatcher = dispatcher
        process.root = self.root
        await ensure_build_queue(settings.poll_interval_s)
        # The operator's limits, applied to the pool queues now and re-read every few seconds.
        upkeep = Upkeep(settings, self.executor_id, dispatcher.queues.update, dispatcher.client)
        await asyncio.to_thread(upkeep.sync)
        upkeep.start()
        log.info("worker %s up (version %s)", self.executor_id, settings.version)
        try:
            while not stop.is_set():
                await loop.run_in_executor(beats, self._beat, table, "running")
                await loop.run_in_executor(beats, self._recover, table)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.heartbeat_s)
            log.info("worker %s draining (grace %.0f s)", self.executor_id, self.grace_s)
            await loop.run_in_executor(beats, self._beat, table, "draining")
            beating = loop.create_task(self._beat_while_draining(table, beats))
            await loop.run_in_executor(beats, runtime.shutdown, self.grace_s)
            beating.cancel()
        finally:
            upkeep.stop()
            process.dispatcher.close()
            await loop.run_in_executor(beats, self._beat, table, "stopped")
            table.close()
            beats.shutdown()
        log.info("worker %s stopped", self.executor_id)

    def _beat(self, table: WorkerTable, state: str) -> None:
        from moviebuild.distributed.workflows import process

        table.beat(self.executor_id, process.jobs_running, process.jobs_done, state)

    async def _beat_while_draining(self, table: WorkerTable, beats: ThreadPoolExecutor) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_s)
            await asyncio.get_running_loop().run_in_executor(beats, self._beat, table, "draining")

    def _recover(self, table: WorkerTable) -> None:
        from moviebuild.distributed import runtime

        dead = table.claim_dead(
            self.executor_id, self.settings.version, self.settings.dead_after_s
        )
        if dead:
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
