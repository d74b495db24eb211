"""When to try a failed call again: bounded attempts, exponential backoff with full jitter, and the
provider's Retry-After honoured. The classification (retryable or not) is the adapter's."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0

    def delay_s(self, attempt: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed ``attempt`` (1-based); never less than Retry-After."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        backoff = rng.uniform(ceiling / 2, ceiling)
        return max(backoff, retry_after_s or 0.0)
