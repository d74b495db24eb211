"""Provider-side jobs (Replicate predictions, fal queue requests) that outlive one HTTP call: what
to resume, journaling the job's id before waiting, polling until a terminal state, and cancelling
when the asyncio task is cancelled. It knows no provider's URLs or states; adapters pass callables.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import xxhash

from moviebuild.errors import ProviderError
from moviebuild.providers.endpoints import POLL_INTERVAL_ENV, env_float
from moviebuild.providers.requests import CallContext

T = TypeVar("T")
MAX_POLL_INTERVAL_S = 5.0
CANCEL_TIMEOUT_S = 3.0

log = logging.getLogger("moviebuild.providers")


@dataclass(frozen=True)
class RemoteJob:
    """A job the provider holds: its id and the URLs the provider gave for it."""

    provider: str
    job_id: str
    urls: Mapping[str, str]

    def to_memory(self) -> dict[str, Any]:
        return {"provider": self.provider, "prediction_id": self.job_id, "urls": dict(self.urls)}

    @classmethod
    def from_memory(cls, data: Mapping[str, Any], provider: str) -> RemoteJob | None:
        urls = data.get("urls")
        if data.get("provider", provider) != provider or not data.get("prediction_id"):
            return None
        if not isinstance(urls, Mapping) or not all(isinstance(u, str) for u in urls.values()):
            return None
        return cls(provider, str(data["prediction_id"]), dict(urls))


class RemoteJobs:
    """The jobs this adapter instance submitted and has not finished downloading.

    ``context.recall`` holds what a crashed build journaled; this map covers the engine's retries
    inside one build, whose contexts carry no recall of the attempt just made. Entries are keyed by
    job id and a digest of the submission, so a changed request never resumes an old job.
    """

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self._open: dict[tuple[str, str], RemoteJob] = {}

    @staticmethod
    def fingerprint(model: str, payload: Mapping[str, Any]) -> str:
        encoded = json.dumps([model, payload], sort_keys=True, default=str).encode()
        return str(xxhash.xxh3_128_hexdigest(encoded))

    def recall(self, context: CallContext, fingerprint: str) -> RemoteJob | None:
        found = self._open.get((context.job_id, fingerprint))
        return found or RemoteJob.from_memory(context.recall, self.provider)

    def remember(self, context: CallContext, fingerprint: str, job: RemoteJob) -> None:
        """Journal ``job`` (durably, through the context) before anyone waits on it."""
        self._open[(context.job_id, fingerprint)] = job
        context.remember(job.to_memory())

    def forget(self, context: CallContext, fingerprint: str, *, durably: bool = False) -> None:
        """Stop resuming the job here; ``durably`` also in the journal (a record naming no job),
        so neither the engine's next attempt nor a build after a crash resumes it."""
        self._open.pop((context.job_id, fingerprint), None)
        if durably:
            context.remember({"provider": self.provider})

    def creating(self, context: CallContext, fingerprint: str) -> None:
        """Journal that a create of ``fingerprint`` is about to be sent: if its answer is lost
        (a crash, a worker taken for dead), the next run looks for the job it made before
        paying for another."""
        context.remember({"provider": self.provider, "creating": time.time(),
                          "fingerprint": fingerprint})

    def created_since(self, context: CallContext, fingerprint: str) -> float | None:
        """When an earlier run sent a create of ``fingerprint`` whose job id it never
        journaled (Unix time), if it did."""
        data = context.recall
        if data.get("provider", self.provider) != self.provider or data.get("prediction_id"):
            return None
        if data.get("fingerprint") != fingerprint:
            return None
        sent = data.get("creating")
        return float(sent) if isinstance(sent, int | float) else None


async def poll_until_done(
    poll: Callable[[], Awaitable[T | None]],
    cancel: Callable[[], Awaitable[None]],
    *,
    interval_s: float,
    max_wait_s: float,
    too_slow: Callable[[], ProviderError],
    describe: str,
) -> T:
    """Call ``poll`` until it returns a value; on task cancellation call ``cancel`` and re-raise.

    The interval grows by half each poll up to 5 s. Past ``max_wait_s`` it raises ``too_slow()``
    (a retryable error: the job stays remembered, so the engine's next attempt resumes polling).
    """
    deadline = time.monotonic() + max_wait_s
    try:
        while True:
            result = await poll()
            if result is not None:
                return result
            if time.monotonic() > deadline:
                raise too_slow()
            await asyncio.sleep(interval_s)
            interval_s = min(interval_s * 1.5, max(MAX_POLL_INTERVAL_S, interval_s))
    except asyncio.CancelledError:
        log.info("cancelling %s", describe)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(cancel(), CANCEL_TIMEOUT_S)
        raise


class PollingAdapter:
    """Settings shared by adapters whose providers run jobs asynchronously (Replicate, fal):
    the HTTP timeout, the first poll interval, how long to wait at most, and the in-memory
    record of submitted jobs (so a retry within one build resumes instead of paying again)."""

    name = "polling"

    def __init__(self, *, timeout_s: float | None = None, poll_interval_s: float | None = None,
                 max_wait_s: float = 1800.0) -> None:
        self.timeout_s = timeout_s
        self.poll_interval_s = poll_interval_s or env_float(POLL_INTERVAL_ENV, 1.0)
        self.max_wait_s = max_wait_s
        self._jobs = RemoteJobs(self.name)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(timeout_s={self.timeout_s!r}, "
                f"poll_interval_s={self.poll_interval_s!r})")
