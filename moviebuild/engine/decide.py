"""The one decision of the engine: given a job's actual inputs, reuse a stored result or run it.

The planner asks it ahead of time (with predicted or stored inputs), the scheduler asks it again
just before a job would start (with the inputs' real bytes): that second asking is early cutoff.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from moviebuild.config.moviefile import Moviefile
from moviebuild.engine.interfaces import (
    Attachments,
    JobExecutor,
    JobStatus,
    PriorRecord,
    ResultLookup,
)
from moviebuild.engine.keys import Fingerprint, content_digest
from moviebuild.engine.reasons import Reason, ReasonKind, compare_fingerprints
from moviebuild.engine.status import Action as Action
from moviebuild.graph import Job, NodeId
from moviebuild.graph.translation import SOURCE_LANGUAGE_PRODUCERS


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: Reason | None
    fingerprint: Fingerprint | None
    outputs: Mapping[str, str] | None = None

    @property
    def key(self) -> str | None:
        return self.fingerprint.key if self.fingerprint else None


class JobDecider:
    """Holds what decisions depend on besides a job's inputs: fields, overrides, takes, lookup."""

    def __init__(
        self,
        moviefile: Moviefile,
        overrides: Mapping[NodeId, bytes],
        lookup: ResultLookup,
        executor: JobExecutor,
        redo: Iterable[NodeId] = (),
        attachments: Attachments | None = None,
    ) -> None:
        self.moviefile = moviefile
        self.attachments = attachments
        #: Bytes the planner predicted (digest -> bytes), which no store holds yet.
        self.predicted: dict[str, bytes] = {}
        self.overrides = dict(overrides)
        self.override_digests = {a: content_digest(data) for a, data in self.overrides.items()}
        self.lookup = lookup
        self.executor = executor
        self.redo = frozenset(redo)
        self._fields: dict[str, Any] = {}

    def field_values(self, job: Job) -> dict[str, Any]:
        values = {}
        for name in job.reads:
            if name not in self._fields:
                self._fields[name] = self.moviefile.field_value(name)
            values[name] = self._fields[name]
        if (
            "language" in values
            and self.moviefile.translates
            and job.producer in SOURCE_LANGUAGE_PRODUCERS
        ):
            # The script is written in the language it is translated from, so its key is the
            # base movie's and its result is shared (graph/translation.py).
            values["language"] = self.moviefile.field_value("translate_from")
        return values

    def take(self, job: Job) -> int:
        previous = self.lookup.previous_record(job.id)
        take = previous.take if previous else 0
        return take + 1 if job.id in self.redo else take

    def fingerprint(
        self, job: Job, inputs: Mapping[NodeId, str], *, attached: bool = True
    ) -> Fingerprint:
        """The job's fingerprint; ``attached`` adds its attachments (which may read inputs)."""
        named = {str(a): inputs[a] for a in job.consumes if a in inputs}
        if attached and self.attachments is not None:
            named.update(self.attachments.digests(job, lambda a: self._read(a, inputs)))
        return Fingerprint(
            producer=job.producer,
            version=job.version,
            index=job.id.index,
            identity=self.executor.identity(job),
            fields=self.field_values(job),
            inputs=named,
            take=self.take(job),
        )

    def _read(self, artifact_id: NodeId, inputs: Mapping[NodeId, str]) -> bytes:
        if artifact_id in self.overrides:
            return self.overrides[artifact_id]
        digest = inputs[artifact_id]
        if digest in self.predicted:
            return self.predicted[digest]
        return self.lookup.read_blob(digest)

    def all_outputs_overridden(self, job: Job) -> bool:
        return bool(job.produces) and all(a in self.overrides for a in job.produces)

    def decide(self, job: Job, inputs: Mapping[NodeId, str]) -> Decision:
        """Decide with every input's digest known."""
        if self.all_outputs_overridden(job):
            return Decision(Action.SKIP, None, None)
        fingerprint = self.fingerprint(job, inputs)
        key = fingerprint.key
        stored = self.lookup.find_result(key)
        if stored is not None and job.id not in self.redo:
            return Decision(Action.REUSE, None, fingerprint, stored)
        return Decision(Action.RUN, self._reason(job, fingerprint), fingerprint)

    def decide_blind(self, job: Job) -> Decision:
        """Decide when some input will be made by a job that runs first (dry runs only)."""
        if self.all_outputs_overridden(job):
            return Decision(Action.SKIP, None, None)
        previous = self.lookup.previous_record(job.id)
        if job.id in self.redo:
            return Decision(Action.RUN, Reason(ReasonKind.REDO), None)
        if previous is None:
            return Decision(Action.RUN, Reason(ReasonKind.NEW), None)
        if previous.key is not None:
            probe = self.fingerprint(
                job, {a: "?" for a in job.consumes}, attached=False
            ).to_json()
            own = compare_fingerprints(
                {**previous.fingerprint, "inputs": probe["inputs"]}, probe, frozenset()
            )
            if own is not None and own.kind is not ReasonKind.NEW:
                return Decision(Action.RUN, own, None)
        return Decision(Action.RUN, Reason(ReasonKind.UPSTREAM_WILL_CHANGE), None)

    def _reason(self, job: Job, fingerprint: Fingerprint) -> Reason:
        if job.id in self.redo:
            return Reason(ReasonKind.REDO)
        previous: PriorRecord | None = self.lookup.previous_record(job.id)
        if previous is None:
            return Reason(ReasonKind.NEW)
        if previous.status is JobStatus.BLOCKED or previous.key is None:
            return Reason(ReasonKind.FAILED_BEFORE, "blocked")
        if previous.key == fingerprint.key:
            if previous.status is JobStatus.DONE:
                return Reason(ReasonKind.OUTPUT_MISSING)
            return Reason(ReasonKind.FAILED_BEFORE, None, None, previous.error)
        overridden = frozenset(str(a) for a in job.consumes if a in self.overrides)
        found = compare_fingerprints(previous.fingerprint, fingerprint.to_json(), overridden)
        if found is None:
            return Reason(ReasonKind.NEW)
        return found
