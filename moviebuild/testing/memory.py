"""In-memory stand-ins for the store: a ResultLookup and a RunRecorder."""

from __future__ import annotations

from collections.abc import Mapping

from moviebuild.engine.interfaces import JobStatus, PriorRecord
from moviebuild.engine.keys import content_digest
from moviebuild.engine.outcome import JobOutcome
from moviebuild.graph import Job, NodeId


class MemoryResults:
    """Results and blobs kept in dictionaries; ``record`` plays the part of a finished build."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, str]] = {}
        self.records: dict[NodeId, PriorRecord] = {}
        self.blobs: dict[str, bytes] = {}

    def find_result(self, key: str) -> Mapping[str, str] | None:
        outputs = self.results.get(key)
        if outputs is None or any(d not in self.blobs for d in outputs.values()):
            return None
        return outputs

    def previous_record(self, job_id: NodeId) -> PriorRecord | None:
        return self.records.get(job_id)

    def has_results(self) -> bool:
        return bool(self.results)

    def read_blob(self, digest: str) -> bytes:
        return self.blobs[digest]

    def put_blob(self, data: bytes) -> str:
        digest = content_digest(data)
        self.blobs[digest] = data
        return digest

    def record(self, job_id: NodeId, record: PriorRecord) -> None:
        self.records[job_id] = record
        if record.status is JobStatus.DONE and record.key:
            self.results[record.key] = dict(record.outputs)

    def record_build(self, outcomes: Mapping[NodeId, JobOutcome]) -> None:
        """Make ``outcomes`` (a scheduler's answer) the current revision's records."""
        self.records = {}
        for job_id, outcome in outcomes.items():
            fingerprint = outcome.fingerprint
            self.record(
                job_id,
                PriorRecord(
                    key=fingerprint.key if fingerprint else None,
                    fingerprint=fingerprint.to_json() if fingerprint else {},
                    status=outcome.status,
                    take=outcome.take,
                    outputs=dict(outcome.outputs),
                    error=outcome.error,
                ),
            )


class MemoryRecorder:
    """A RunRecorder that keeps blobs in a MemoryResults and the journal as a list."""

    def __init__(self, results: MemoryResults | None = None) -> None:
        self.results = results or MemoryResults()
        self.journal: list[dict[str, object]] = []

    def job_started(self, job: Job, key: str) -> None:
        self.journal.append({"event": "start", "job": str(job.id), "key": key})

    def store_outputs(self, job: Job, outputs: Mapping[NodeId, bytes]) -> dict[str, str]:
        return {str(a): self.results.put_blob(data) for a, data in outputs.items()}

    def job_ended(self, job: Job, outcome: JobOutcome) -> None:
        self.journal.append({"event": "end", "job": str(job.id), "status": outcome.status.value})

    def read_blob(self, digest: str) -> bytes:
        return self.results.read_blob(digest)
