"""The scheduler's RunRecorder over a store: blobs for outputs, one journal event per job start
and end, flushed per line, so a killed build loses only the calls in flight."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping

from moviebuild.engine.outcome import JobOutcome
from moviebuild.errors import StoreError
from moviebuild.graph import Graph, Job, NodeId
from moviebuild.project.records import (
    JobEnded,
    JobRecord,
    JobStarted,
    ProviderJobRecorded,
    append_event,
)
from moviebuild.project.spending import BuildSpending
from moviebuild.store import Store

EXTENSIONS = {"text": "txt", "audio": "mp3", "image": "png", "video": "mp4", "json": "json"}


class StoreRecorder:
    """Records a build in its store. The first failed write (a full disk, a lost store) is kept
    in ``write_error`` and ``on_write_error`` is called, so the build starts no new calls whose
    results could not be kept; the build then ends with that error. Every later write fails at
    once with that same error: against a store that stopped answering, each would otherwise
    wait out its own timeouts before the build could end."""

    def __init__(
        self,
        store: Store,
        revision: int,
        graph: Graph,
        on_write_error: Callable[[], None] | None = None,
        spending: BuildSpending | None = None,
    ) -> None:
        self.store = store
        self.revision = revision
        self.graph = graph
        self.on_write_error = on_write_error
        self.write_error: StoreError | None = None
        self.spending = spending

    def job_started(self, job: Job, key: str) -> None:
        with self._writing():
            append_event(self.store, self.revision, JobStarted(job.id, key))

    def store_outputs(self, job: Job, outputs: Mapping[NodeId, bytes]) -> dict[str, str]:
        with self._writing():
            return {
                str(artifact_id): self.store.blobs.put_blob(
                    data, EXTENSIONS[self.graph.artifacts[artifact_id].kind]
                )
                for artifact_id, data in outputs.items()
            }

    def job_ended(self, job: Job, outcome: JobOutcome) -> None:
        """Journal the job's end with what its provider reported it billed."""
        if self.spending is not None:
            outcome.usage = [u.to_json() for u in self.spending.usage(job)]
            outcome.billed_usd = self.spending.billed_usd(job, outcome)
        with self._writing():
            append_event(self.store, self.revision, JobEnded(JobRecord.from_outcome(outcome)))

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        if self.write_error is not None:
            raise self.write_error
        try:
            yield
        except StoreError as exc:
            self.write_error = self.write_error or exc
            if self.on_write_error is not None:
                self.on_write_error()
            raise

    def read_blob(self, digest: str) -> bytes:
        return self.store.blobs.get_blob(digest)

    def remember_provider_job(self, job: Job, key: str, data: Mapping[str, object]) -> None:
        """Journal a provider-side job id before waiting on it (crash-safe resume)."""
        append_event(self.store, self.revision, ProviderJobRecorded(job.id, key, dict(data)))
