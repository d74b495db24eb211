"""The scheduler's RunRecorder over a store: blobs for outputs, one journal event per job start
and end, flushed per line, so a killed build loses only the calls in flight."""

from __future__ import annotations

from collections.abc import Mapping

from moviebuild.engine.outcome import JobOutcome
from moviebuild.graph import Graph, Job, NodeId
from moviebuild.project.records import (
    JobEnded,
    JobRecord,
    JobStarted,
    ProviderJobRecorded,
    append_event,
)
from moviebuild.store import Store

EXTENSIONS = {"text": "txt", "audio": "mp3", "image": "png", "video": "mp4", "json": "json"}


class StoreRecorder:
    def __init__(self, store: Store, revision: int, graph: Graph) -> None:
        self.store = store
        self.revision = revision
        self.graph = graph

    def job_started(self, job: Job, key: str) -> None:
        append_event(self.store, self.revision, JobStarted(job.id, key))

    def store_outputs(self, job: Job, outputs: Mapping[NodeId, bytes]) -> dict[str, str]:
        return {
            str(artifact_id): self.store.blobs.put_blob(
                data, EXTENSIONS[self.graph.artifacts[artifact_id].kind]
            )
            for artifact_id, data in outputs.items()
        }

    def job_ended(self, job: Job, outcome: JobOutcome) -> None:
        append_event(self.store, self.revision, JobEnded(JobRecord.from_outcome(outcome)))

    def read_blob(self, digest: str) -> bytes:
        return self.store.blobs.get_blob(digest)

    def remember_provider_job(self, job: Job, key: str, data: Mapping[str, object]) -> None:
        """Journal a provider-side job id before waiting on it (crash-safe resume)."""
        append_event(self.store, self.revision, ProviderJobRecorded(job.id, key, dict(data)))
