"""A manual clock for tests: time moves only when told (``advance``), or, with ``autojump``,
straight to the next sleeper's deadline once every task is waiting. Nothing really sleeps.
``settle`` lets every runnable task run until all of them wait on something."""

from __future__ import annotations

import asyncio
import heapq
import itertools

#: Loop turns with nothing new after which the loop counts as idle. Handing a finished call to
#: the next job's start takes about ten turns in the scheduler, so this leaves a wide margin.
IDLE_TURNS = 50


async def settle(turns: int = IDLE_TURNS) -> None:
    """Yield to the event loop ``turns`` times, so that everything runnable runs.

    With a non-autojump ManualClock and scripted calls, that is every task reaching its next
    wait: a scripted call, a pool slot, or a deadline on the clock.
    """
    for _ in range(turns):
        await asyncio.sleep(0)


class ManualClock:
    def __init__(self, start: float = 0.0, *, autojump: bool = True) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._counter = itertools.count()
        self._autojump = autojump
        self._jumper: asyncio.Task[None] | None = None
        self._activity = 0

    def now(self) -> float:
        return self._now

    @property
    def sleepers(self) -> int:
        """How many sleeps are waiting for their deadline."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + max(0.0, seconds), next(self._counter), future))
        self._activity += 1
        if self._autojump and (self._jumper is None or self._jumper.done()):
            self._jumper = asyncio.get_running_loop().create_task(self._jump_when_idle())
        await future

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has come."""
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    async def _jump_when_idle(self) -> None:
        """Jump to the next deadline once the loop has run many turns with no new sleeper."""
        while self._sleepers:
            seen = self._activity
            await settle()
            if seen != self._activity:
                continue
            self._sleepers = [s for s in self._sleepers if not s[2].done()]
            heapq.heapify(self._sleepers)
            if self._sleepers:
                self.advance(max(0.0, self._sleepers[0][0] - self._now))
