"""When to try a failed call again: bounded attempts, exponential backoff with full jitter, the
provider's Retry-After honoured, and one deadline per job that retries cannot extend. The
classification (retryable or not) is the adapter's."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """``job_deadline_s``: one overall limit on a job's time, counted in real (monotonic)
    seconds from its first attempt's start: an attempt still running then is cancelled, and no
    retry starts after it (retries never extend it). None: attempts alone bound the job."""

    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    job_deadline_s: float | None = None

    def delay_s(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed ``attempt`` (1-based); never less than Retry-After."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        backoff = rng.uniform(ceiling / 2, ceiling)
        return max(backoff, retry_after_s or 0.0)
