"""What the engine is handed: a lookup of stored results, and an executor that runs jobs.

The project wiring implements these over the store and the providers; ``moviebuild.testing``
implements them in memory. The engine imports neither side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from moviebuild.engine.keys import JobIdentity
from moviebuild.engine.status import JobStatus as JobStatus
from moviebuild.graph import Job, NodeId

if TYPE_CHECKING:
    from moviebuild.engine.outcome import JobOutcome


@dataclass(frozen=True)
class PriorRecord:
    """What the current revision recorded for one job id."""

    key: str | None
    fingerprint: Mapping[str, Any]
    status: JobStatus
    take: int = 0
    outputs: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None


class ResultLookup(Protocol):
    """Stored results by key across every revision, and the current revision's records."""

    def find_result(self, key: str) -> Mapping[str, str] | None:
        """Outputs (artifact id -> digest) of a finished job with ``key`` whose blobs all exist."""
        ...

    def previous_record(self, job_id: NodeId) -> PriorRecord | None:
        """The current revision's record of ``job_id``, if it has one."""
        ...

    def read_blob(self, digest: str) -> bytes:
        """The bytes of a stored artifact."""
        ...

    def has_results(self) -> bool:
        """False when nothing was ever stored (so no key can match)."""
        ...


@dataclass(frozen=True)
class JobRequest:
    """Everything a job's execution may use; all of it is in the job's fingerprint."""

    job: Job
    fields: Mapping[str, Any]
    inputs: Mapping[NodeId, bytes]
    take: int = 0
    key: str | None = None


ProgressCallback = Callable[[str], None]


class Spending(Protocol):
    """Money per call, for a budget that holds during a build: asked before a job's first call
    whether it may start (spent so far plus the calls in flight plus this one), and told when
    an admitted job ends."""

    def admit(self, job: Job) -> bool: ...

    def ended(self, job: Job, outcome: JobOutcome) -> None: ...


class Attachments(Protocol):
    """Inputs from outside the graph: files the Moviefile names (sources, reference sheets).

    ``digests`` gives the ones ``job`` uses, by name (``source:notes.md``, ``reference:Ada``),
    as content digests that go into its key; ``read`` gives an input artifact's bytes, for
    attachments chosen by what a prompt says. Names never collide with artifact ids.
    """

    def digests(self, job: Job, read: Callable[[NodeId], bytes]) -> Mapping[str, str]: ...


class JobExecutor(Protocol):
    """Turns a job request into artifact bytes by calling a provider (or internal code)."""

    def identity(self, job: Job) -> JobIdentity:
        """The adapter, model, parameters, template digest and pool of ``job``."""
        ...

    def can_predict(self, job: Job) -> bool:
        """True when ``predict`` gives the exact outputs, cheaply and for free (dry runs)."""
        ...

    def predict(self, request: JobRequest) -> dict[NodeId, bytes]: ...

    async def execute(self, request: JobRequest) -> dict[NodeId, bytes]:
        """Run the job; raises ProviderError (typed retryable or not) on failure."""
        ...
