"""Stored results over a store: every finished job of every revision, found by key, and the
current revision's records for reasons. Journals are the source, so a build that crashed still
contributes every job it finished."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moviebuild.engine.interfaces import JobStatus, PriorRecord
from moviebuild.graph import NodeId
from moviebuild.project.records import (
    JobEnded,
    JobRecord,
    ProviderJobRecorded,
    RevisionRecord,
    read_events,
    read_revision,
)
from moviebuild.store import Store


class StoreResults:
    """ResultLookup over a Store; the journal index is read once, lazily.

    ``revision`` is the current revision (HEAD) unless another is asked for; ``manifest`` is its
    record, or None before the first build.
    """

    def __init__(self, store: Store, *, revision: int | None = None) -> None:
        self.store = store
        self.revision = revision if revision is not None else store.read_head()
        self.manifest: RevisionRecord | None = (
            read_revision(store, self.revision) if self.revision is not None else None
        )
        self.records: dict[NodeId, JobRecord] = dict(self.manifest.jobs) if self.manifest else {}
        self.notices: list[str] = []
        self._index: dict[str, dict[str, str]] | None = None
        self._head_index: dict[str, dict[str, str]] | None = None
        self._provider_jobs: dict[str, dict[str, Any]] = {}

    def _current(self) -> dict[str, dict[str, str]]:
        """The current revision's finished jobs by key: enough for a build with no changes."""
        if self._head_index is None:
            self._head_index = {
                record.key: {str(a): d for a, d in record.outputs.items()}
                for record in self.records.values()
                if record.status is JobStatus.DONE and record.key
            }
        return self._head_index

    def _results(self) -> dict[str, dict[str, str]]:
        if self._index is None:
            index: dict[str, dict[str, str]] = dict(self._current())
            for rev in self.store.list_journals():
                events, notices = read_events(self.store, rev)
                self.notices.extend(notices)
                for event in events:
                    if isinstance(event, JobEnded):
                        ended = event.record
                        if ended.status is JobStatus.DONE and ended.key:
                            index[ended.key] = {str(a): d for a, d in ended.outputs.items()}
                    elif isinstance(event, ProviderJobRecorded):
                        self._provider_jobs[event.key] = dict(event.data)
            self._index = index
        return self._index

    def remember_provider_job(self, key: str, data: Mapping[str, Any]) -> None:
        """Note a provider-side job as it is journaled, so a retry in this build recalls it."""
        self._results()
        self._provider_jobs[key] = dict(data)

    def provider_job(self, key: str) -> dict[str, Any]:
        """What an earlier attempt at ``key`` remembered about its provider-side job, if any."""
        self._results()
        return dict(self._provider_jobs.get(key, {}))

    def find_result(self, key: str) -> Mapping[str, str] | None:
        """The outputs stored for ``key`` when every one is there and intact (a damaged blob is
        set aside here, so its job reruns in this build). The journals of every revision are
        read only for a key the current revision does not have."""
        outputs = self._current().get(key) if self._index is None else None
        if outputs is None:
            outputs = self._results().get(key)
        if outputs is None or not all(self.store.blobs.verify_blob(d) for d in outputs.values()):
            return None
        return outputs

    def previous_record(self, job_id: NodeId) -> PriorRecord | None:
        record = self.records.get(job_id)
        return record.prior() if record else None

    def has_results(self) -> bool:
        return bool(self._current()) or bool(self._results())

    def read_blob(self, digest: str) -> bytes:
        return self.store.blobs.get_blob(digest)

    def current_outputs(self) -> dict[NodeId, str]:
        """Artifact id -> digest of the current revision."""
        return self.manifest.outputs() if self.manifest else {}
