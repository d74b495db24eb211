"""Time for the scheduler, pools and retries: the real monotonic clock, behind a small protocol so
tests can substitute moviebuild.testing's manual clock and never sleep."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        # Imported here: a build with nothing to do starts no loop and need not import asyncio.
        import asyncio

        await asyncio.sleep(max(0.0, seconds))
