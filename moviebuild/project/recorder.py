"""The scheduler's RunRecorder over a store: blobs for outputs, one journal line per job start
and end, flushed per line, so a killed build loses only the calls in flight."""

from __future__ import annotations

from collections.abc import Mapping

from moviebuild.engine.outcome import JobOutcome
from moviebuild.graph import Graph, Job, NodeId
from moviebuild.store import Store

EXTENSIONS = {"text": "txt", "audio": "mp3", "image": "png", "video": "mp4", "json": "json"}


class StoreRecorder:
    def __init__(self, store: Store, revision: int, graph: Graph) -> None:
        self.store = store
        self.revision = revision
        self.graph = graph

    def job_started(self, job: Job, key: str) -> None:
        self.store.append_journal(self.revision, {"event": "start", "job": str(job.id), "key": key})

    def store_outputs(self, job: Job, outputs: Mapping[NodeId, bytes]) -> dict[str, str]:
        return {
            str(artifact_id): self.store.blobs.put_blob(
                data, EXTENSIONS[self.graph.artifacts[artifact_id].kind]
            )
            for artifact_id, data in outputs.items()
        }

    def job_ended(self, job: Job, outcome: JobOutcome) -> None:
        self.store.append_journal(self.revision, outcome_record(outcome))

    def read_blob(self, digest: str) -> bytes:
        return self.store.blobs.get_blob(digest)

    def remember_provider_job(self, job: Job, key: str, data: Mapping[str, object]) -> None:
        """Journal a provider-side job id before waiting on it (crash-safe resume)."""
        self.store.append_journal(
            self.revision,
            {
                "event": "provider-job",
                "job": str(job.id),
                "key": key,
                "data": dict(data),
            },
        )


def outcome_record(outcome: JobOutcome) -> dict[str, object]:
    """A job's outcome as JSON, the same in the journal and the manifest."""
    return {
        "event": "end",
        "job": str(outcome.job_id),
        "status": outcome.status.value,
        "action": outcome.action.value if outcome.action else None,
        "reason": outcome.reason.to_json() if outcome.reason else None,
        "key": outcome.fingerprint.key if outcome.fingerprint else None,
        "fingerprint": outcome.fingerprint.to_json() if outcome.fingerprint else None,
        "outputs": outcome.outputs,
        "take": outcome.take,
        "error": outcome.error,
        "hint": outcome.hint,
        "retryable": outcome.retryable,
        "attempts": outcome.attempts,
    }
