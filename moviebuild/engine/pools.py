"""Per-provider pools: at most C calls in flight and R requests per minute.

When a pool is saturated, waiting jobs are admitted highest priority first (the scheduler passes
the job's longest remaining path), ties broken by arrival. Pools know nothing about jobs.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from dataclasses import dataclass

from moviebuild.engine.clock import Clock

_WINDOW_S = 60.0


@dataclass(frozen=True)
class PoolLimits:
    concurrent: int
    requests_per_minute: int | None = None


class Pool:
    """A priority-ordered admission gate. ``acquire`` then ``release`` around each call."""

    def __init__(self, name: str, limits: PoolLimits, clock: Clock) -> None:
        self.name = name
        self.limits = limits
        self.clock = clock
        self.in_flight = 0
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._counter = itertools.count()
        self._recent: deque[float] = deque()
        self._wake_scheduled = False
        self._wake_tasks: set[asyncio.Task[None]] = set()

    async def acquire(self, priority: float) -> None:
        """Wait for a slot; a larger ``priority`` is admitted first."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._counter), future))
        self._admit()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._admit()

    def _rate_wait_s(self) -> float:
        """Seconds until the per-minute budget allows another request (0 when it does now)."""
        rpm = self.limits.requests_per_minute
        if rpm is None:
            return 0.0
        now = self.clock.now()
        while self._recent and self._recent[0] <= now - _WINDOW_S:
            self._recent.popleft()
        if len(self._recent) < rpm:
            return 0.0
        return self._recent[0] + _WINDOW_S - now

    def _admit(self) -> None:
        while self._waiters and self.in_flight < self.limits.concurrent:
            _, _, future = self._waiters[0]
            if future.done():
                heapq.heappop(self._waiters)
                continue
            wait_s = self._rate_wait_s()
            if wait_s > 0:
                self._schedule_wake(wait_s)
                return
            heapq.heappop(self._waiters)
            self.in_flight += 1
            self._recent.append(self.clock.now())
            future.set_result(None)

    def _schedule_wake(self, wait_s: float) -> None:
        if self._wake_scheduled:
            return
        self._wake_scheduled = True

        async def wake() -> None:
            await self.clock.sleep(wait_s)
            self._wake_scheduled = False
            self._admit()

        task = asyncio.get_running_loop().create_task(wake())
        self._wake_tasks.add(task)
        task.add_done_callback(self._wake_tasks.discard)
