"""Stored results over a store: every finished job of every revision, found by key, and the
current revision's records for reasons. Journals are the source, so a build that crashed still
contributes every job it finished."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moviebuild.engine.interfaces import JobStatus, PriorRecord
from moviebuild.graph import NodeId, parse_node_id
from moviebuild.store import Store


def prior_records(manifest: Mapping[str, Any]) -> dict[NodeId, PriorRecord]:
    """The job records of a revision manifest."""
    records = {}
    for text_id, entry in manifest.get("jobs", {}).items():
        records[parse_node_id(text_id)] = PriorRecord(
            key=entry.get("key"),
            fingerprint=entry.get("fingerprint") or {},
            status=JobStatus(entry["status"]),
            take=int(entry.get("take", 0)),
            outputs=entry.get("outputs") or {},
            error=entry.get("error"),
        )
    return records


class StoreResults:
    """ResultLookup over a Store; the journal index is read once, lazily."""

    def __init__(self, store: Store, *, revision: int | None = None) -> None:
        self.store = store
        self.revision = revision if revision is not None else store.read_head()
        self.manifest: dict[str, Any] = (
            store.read_manifest(self.revision) if self.revision is not None else {}
        )
        self.records = prior_records(self.manifest)
        self._index: dict[str, dict[str, str]] | None = None
        self._head_index: dict[str, dict[str, str]] | None = None
        self._provider_jobs: dict[str, dict[str, Any]] = {}

    def _current(self) -> dict[str, dict[str, str]]:
        """The current revision's finished jobs by key: enough for a build with no changes."""
        if self._head_index is None:
            self._head_index = {}
            for entry in self.manifest.get("jobs", {}).values():
                if entry.get("status") == JobStatus.DONE and entry.get("key"):
                    self._head_index[entry["key"]] = entry.get("outputs") or {}
        return self._head_index

    def _results(self) -> dict[str, dict[str, str]]:
        if self._index is None:
            index: dict[str, dict[str, str]] = dict(self._current())
            for rev in self.store.list_journals():
                for record in self.store.read_journal(rev):
                    event = record.get("event")
                    if event == "end" and record.get("status") == JobStatus.DONE:
                        index[record["key"]] = record["outputs"]
                    elif event == "provider-job":
                        self._provider_jobs[record["key"]] = dict(record.get("data") or {})
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

    def add_result(self, key: str, outputs: Mapping[str, str]) -> None:
        self._results()[key] = dict(outputs)

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
        return self.records.get(job_id)

    def has_results(self) -> bool:
        return bool(self._current()) or bool(self._results())

    def read_blob(self, digest: str) -> bytes:
        return self.store.blobs.get_blob(digest)
