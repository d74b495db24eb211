"""Local work on a worker: the ``offline`` engines and the timeline (ffmpeg) run on the worker
that builds the movie, bounded by that worker's slots (its cores by default), shared by every
build it runs. Adding workers adds local capacity; no queue of the cluster caps it.

Why not a queue of the cluster: DBOS's per-worker limit (``worker_concurrency``) is one number in
the queue's row for every worker, whatever its cores; and local work costs nothing, so a call cut
off by a crash is simply done again when its build runs again. This module does not decide what
is local (``dispatch`` does) and runs nothing itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections import deque
from collections.abc import AsyncIterator


def default_slots() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class LocalSlots:
    """A counting semaphore that builds on different threads and event loops share: each build
    runs its scheduler on a loop of its own, so an ``asyncio.Semaphore`` (one loop) cannot do.
    Waiters are served first come, first served."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a worker needs at least one local slot")
        self.slots = slots
        self._lock = threading.Lock()
        self._busy = 0
        self._waiting: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def busy(self) -> int:
        return self._busy

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    async def _acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._busy < self.slots and not self._waiting:
                self._busy += 1
                return
            future: asyncio.Future[None] = loop.create_future()
            self._waiting.append((loop, future))
        try:
            await future
        except asyncio.CancelledError:
            with self._lock:
                if (loop, future) in self._waiting:
                    self._waiting.remove((loop, future))
                    raise
            # The slot was handed over as the wait was cancelled: pass it on.
            self._release()
            raise

    def _release(self) -> None:
        with self._lock:
            while self._waiting:
                loop, future = self._waiting.popleft()
                try:
                    # The slot passes straight to the waiter (``_busy`` stays as it is).
                    loop.call_soon_threadsafe(_grant, future)
                except RuntimeError:  # its loop is closed: the build is gone
                    continue
                return
            self._busy -= 1


def _grant(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
