"""Retrying the requests that cost nothing (status polls, result fetches, downloads of media
already paid for) on their own budget, so a 429 or 500 there never spends one of the engine's
attempts at the paid call. Submissions are not retried here: the engine owns those attempts.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from moviebuild.errors import ProviderError

T = TypeVar("T")

log = logging.getLogger("moviebuild.providers")


@dataclass(frozen=True)
class TransientRetry:
    """How often and how patiently a free request is tried again.

    Up to ``attempts`` tries; the wait after try k is a full-jitter draw below
    ``base_delay_s * 2**(k-1)`` (at most ``max_delay_s``), never shorter than the provider's
    Retry-After (which ``http.py`` has already capped).
    """

    attempts: int = 8
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def delay_s(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return max(rng.uniform(ceiling / 2, ceiling), retry_after_s or 0.0)


async def retry_transient(operation: Callable[[], Awaitable[T]], *, what: str,
                          policy: TransientRetry,
                          rng: random.Random | None = None) -> T:
    """``operation()``, tried again on retryable ProviderErrors until ``policy`` is spent; the
    last error is raised (still retryable, so the engine may resume the job later)."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await operation()
        except ProviderError as exc:
            if not exc.retryable or attempt >= policy.attempts:
                raise
            delay_s = policy.delay_s(attempt, exc.retry_after_s, rng)
            log.info("%s failed (%s); trying again in %.2f s", what, exc.message, delay_s)
            await asyncio.sleep(delay_s)
