"""Typed revision records: the manifest of a revision, its job records and the journal's events,
with ``to_json``/``from_json``. This is the only module that reads or writes those documents by
their JSON keys; everything else works with these classes, keyed by ``NodeId``.

A record read from the store is checked here: a document of the wrong shape is a
``StoreFormatError`` naming the file and what is wrong, never a ``KeyError`` later. The store's
envelope (``format_version``) is checked by the store itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus, PriorRecord
from moviebuild.engine.outcome import JobOutcome
from moviebuild.errors import GraphError, StoreFormatError
from moviebuild.graph import NodeId, parse_node_id
from moviebuild.providers.usage import Usage
from moviebuild.store.manifest import REPAIR_HINT

if TYPE_CHECKING:
    from moviebuild.store import Store

_DAMAGED_HINT = REPAIR_HINT


class _Reader:
    """Reads fields of one JSON object, naming the document and field in every error."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise StoreFormatError(
                f"{where} should be a JSON object, not {type(value).__name__}", hint=_DAMAGED_HINT
            )
        self.data: dict[str, Any] = value
        self.where = where

    def _fail(self, name: str, expected: str) -> StoreFormatError:
        shown = repr(self.data.get(name))[:60]
        return StoreFormatError(
            f"{self.where}: '{name}' should be {expected}, not {shown}", hint=_DAMAGED_HINT
        )

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str):
            raise self._fail(name, "text")
        return value

    def optional_text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, str):
            raise self._fail(name, "text or null")
        return value

    def integer(self, name: str, default: int | None = None) -> int:
        value = self.data.get(name, default)
        if type(value) is not int:
            raise self._fail(name, "a whole number")
        return value

    def optional_bool(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, bool):
            raise self._fail(name, "true, false or null")
        return value

    def flag(self, name: str) -> bool:
        return bool(self.optional_bool(name))

    def mapping(self, name: str, *, required: bool = False) -> dict[str, Any]:
        if name not in self.data and not required:
            return {}
        value = self.data.get(name)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise self._fail(name, "a JSON object")
        return value

    def optional_mapping(self, name: str) -> dict[str, Any] | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, dict):
            raise self._fail(name, "a JSON object or null")
        return value

    def node_id(self, name: str) -> NodeId:
        return _node_id(self.text(name), f"{self.where}: '{name}'")

    def digests(self, name: str, *, required: bool = False) -> dict[NodeId, str]:
        found: dict[NodeId, str] = {}
        for text_id, digest in self.mapping(name, required=required).items():
            if not isinstance(digest, str):
                raise self._fail(name, "a map of artifact ids to digests")
            found[_node_id(text_id, f"{self.where}: '{name}'")] = digest
        return found


def _node_id(text: str, where: str) -> NodeId:
    try:
        return parse_node_id(text)
    except GraphError as exc:
        raise StoreFormatError(f"{where}: {exc.message}", hint=_DAMAGED_HINT) from exc


def _status(reader: _Reader) -> JobStatus:
    try:
        return JobStatus(reader.text("status"))
    except ValueError as exc:
        raise reader._fail("status", "a job status") from exc


@dataclass(frozen=True)
class JobRecord:
    """What one build recorded for one job: its status, key, outputs and error, if any.

    ``status``: done (outputs stored), needs-attention (failed; ``retryable`` says whether retries
    ran out or the provider refused), blocked (an upstream job failed), skipped (every output was
    overridden).
    """

    job: NodeId
    status: JobStatus
    action: Action | None = None
    reason: Mapping[str, Any] | None = None
    key: str | None = None
    fingerprint: Mapping[str, Any] | None = None
    outputs: Mapping[NodeId, str] = field(default_factory=dict)
    take: int = 0
    error: str | None = None
    hint: str | None = None
    retryable: bool | None = None
    attempts: int = 0
    usage: tuple[Usage, ...] = ()
    """What the provider reported each paid request billed (none for reused or free jobs)."""
    billed_usd: float | None = None

    @classmethod
    def from_outcome(cls, outcome: JobOutcome) -> JobRecord:
        return cls(
            job=outcome.job_id,
            status=outcome.status,
            action=outcome.action,
            reason=outcome.reason.to_json() if outcome.reason else None,
            key=outcome.fingerprint.key if outcome.fingerprint else None,
            fingerprint=outcome.fingerprint.to_json() if outcome.fingerprint else None,
            outputs={parse_node_id(name): digest for name, digest in outcome.outputs.items()},
            take=outcome.take,
            error=outcome.error,
            hint=outcome.hint,
            retryable=outcome.retryable,
            attempts=outcome.attempts,
            usage=tuple(u for u in map(Usage.from_json, outcome.usage) if u is not None),
            billed_usd=outcome.billed_usd,
        )

    def prior(self) -> PriorRecord:
        """The engine's view of this record (for reasons and early cutoff)."""
        return PriorRecord(
            key=self.key,
            fingerprint=dict(self.fingerprint or {}),
            status=self.status,
            take=self.take,
            outputs={str(a): d for a, d in self.outputs.items()},
            error=self.error,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "job": str(self.job),
            "status": self.status.value,
            "action": self.action.value if self.action else None,
            "reason": dict(self.reason) if self.reason else None,
            "key": self.key,
            "fingerprint": dict(self.fingerprint) if self.fingerprint else None,
            "outputs": {str(a): d for a, d in self.outputs.items()},
            "take": self.take,
            "error": self.error,
            "hint": self.hint,
            "retryable": self.retryable,
            "attempts": self.attempts,
            **({"usage": [u.to_json() for u in self.usage], "billed_usd": self.billed_usd}
               if self.usage or self.billed_usd is not None else {}),
        }

    @classmethod
    def from_json(cls, value: Any, where: str, job: NodeId | None = None) -> JobRecord:
        reader = _Reader(value, where)
        status = _status(reader)
        action_text = reader.optional_text("action")
        try:
            action = Action(action_text) if action_text else None
        except ValueError as exc:
            raise reader._fail("action", "run, reuse or skip") from exc
        return cls(
            job=job if job is not None else reader.node_id("job"),
            status=status,
            action=action,
            reason=reader.optional_mapping("reason"),
            key=reader.optional_text("key"),
            fingerprint=reader.optional_mapping("fingerprint"),
            outputs=reader.digests("outputs", required=status is JobStatus.DONE),
            take=reader.integer("take", 0),
            error=reader.optional_text("error"),
            hint=reader.optional_text("hint"),
            retryable=reader.optional_bool("retryable"),
            attempts=reader.integer("attempts", 0),
            usage=_usages(reader.data.get("usage")),
            billed_usd=_money(reader.data.get("billed_usd")),
        )


def _usages(value: Any) -> tuple[Usage, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(u for u in map(Usage.from_json, value) if u is not None)


def _money(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class ProviderCost:
    """One provider's money in one build: the estimate of the calls that ran, what the
    providers reported they billed (at the price table's prices), and what reuse saved."""

    estimated_usd: float = 0.0
    billed_usd: float = 0.0
    saved_usd: float = 0.0

    def to_json(self) -> dict[str, float]:
        return {"estimated_usd": round(self.estimated_usd, 6),
                "billed_usd": round(self.billed_usd, 6), "saved_usd": round(self.saved_usd, 6)}

    @classmethod
    def from_json(cls, value: Any) -> ProviderCost:
        data = value if isinstance(value, Mapping) else {}
        return cls(*(_money(data.get(k)) or 0.0
                     for k in ("estimated_usd", "billed_usd", "saved_usd")))


@dataclass(frozen=True)
class BudgetStop:
    """A build stopped by its budget: what it spent of what budget, and what is left to build
    (jobs per producer, and their estimate)."""

    budget_usd: float
    spent_usd: float
    left: Mapping[str, int] = field(default_factory=dict)
    left_estimate_usd: float = 0.0

    def __str__(self) -> str:
        jobs = sum(self.left.values())
        return (f"budget reached: ${self.spent_usd:.2f} of ${self.budget_usd:.2f}; {jobs} "
                f"job{'s' if jobs != 1 else ''} left to build, estimated "
                f"${self.left_estimate_usd:.2f}")

    def to_json(self) -> dict[str, Any]:
        return {"budget_usd": self.budget_usd, "spent_usd": round(self.spent_usd, 6),
                "left": dict(self.left), "left_estimate_usd": round(self.left_estimate_usd, 6),
                "message": str(self)}

    @classmethod
    def from_json(cls, value: Any) -> BudgetStop | None:
        if not isinstance(value, Mapping):
            return None
        left = value.get("left")
        return cls(_money(value.get("budget_usd")) or 0.0, _money(value.get("spent_usd")) or 0.0,
                   {str(k): int(v) for k, v in left.items() if isinstance(v, int)}
                   if isinstance(left, Mapping) else {},
                   _money(value.get("left_estimate_usd")) or 0.0)


@dataclass(frozen=True)
class OverrideRecord:
    """A text that replaced a generated one in this revision (a prompt edit or ``--set``), or
    your own media file (``file``: where it came from; ``text`` is then empty, the bytes are
    the blob ``digest``)."""

    digest: str
    text: str
    file: str | None = None


@dataclass(frozen=True)
class FailureRecord:
    job: NodeId
    error: str | None
    retryable: bool | None


@dataclass(frozen=True)
class RevisionSummary:
    """The counts ``log`` shows: calls per producer, reuse, failures, and what the calls cost."""

    ran: Mapping[str, int] = field(default_factory=dict)
    reused: int = 0
    failed: tuple[FailureRecord, ...] = ()
    blocked: tuple[NodeId, ...] = ()
    cost_usd: float = 0.0
    notices: tuple[str, ...] = ()
    costs: Mapping[str, ProviderCost] = field(default_factory=dict)
    """Per provider: estimated, billed and saved (``cost_usd`` is the billed total)."""
    price_table: str | None = None
    budget: BudgetStop | None = None

    @property
    def calls(self) -> int:
        return sum(self.ran.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "ran": dict(self.ran),
            "reused": self.reused,
            "failed": [
                {"id": str(f.job), "error": f.error, "retryable": f.retryable} for f in self.failed
            ],
            "blocked": [str(b) for b in self.blocked],
            "cost_usd": self.cost_usd,
            "notices": list(self.notices),
            "costs": {name: cost.to_json() for name, cost in self.costs.items()},
            "price_table": self.price_table,
            "budget": self.budget.to_json() if self.budget else None,
        }

    @classmethod
    def from_json(cls, value: Any, where: str) -> RevisionSummary:
        reader = _Reader(value if value is not None else {}, where)
        ran = reader.mapping("ran")
        if not all(isinstance(v, int) for v in ran.values()):
            raise reader._fail("ran", "counts per producer")
        failed = []
        for entry in reader.data.get("failed") or []:
            item = _Reader(entry, f"{where}: failed")
            failed.append(
                FailureRecord(
                    item.node_id("id"), item.optional_text("error"), item.optional_bool("retryable")
                )
            )
        blocked = reader.data.get("blocked") or []
        if not isinstance(blocked, list) or not all(isinstance(b, str) for b in blocked):
            raise reader._fail("blocked", "a list of job ids")
        notices = reader.data.get("notices") or []
        cost = reader.data.get("cost_usd", 0.0)
        return cls(
            ran=dict(ran),
            reused=reader.integer("reused", 0),
            failed=tuple(failed),
            blocked=tuple(_node_id(b, f"{where}: blocked") for b in blocked),
            cost_usd=float(cost) if isinstance(cost, int | float) else 0.0,
            notices=tuple(str(n) for n in notices) if isinstance(notices, list) else (),
            costs={str(name): ProviderCost.from_json(entry)
                   for name, entry in reader.mapping("costs").items()},
            price_table=reader.optional_text("price_table"),
            budget=BudgetStop.from_json(reader.data.get("budget")),
        )


@dataclass(frozen=True)
class RevisionRecord:
    """One revision's manifest: the inputs it was built from and what every job did.

    Invariants: written once, never changed; ``jobs`` holds a record for every job of the graph
    the build expanded; ``moviefile_text`` is the exact text that was planned.
    """

    created: str
    moviefile: Mapping[str, Any]
    moviefile_text: str
    overrides: Mapping[NodeId, OverrideRecord]
    interrupted: bool
    jobs: Mapping[NodeId, JobRecord]
    timeline: str | None
    summary: RevisionSummary
    variant: str | None = None
    """The variant this revision built (None: the base movie); see project/variant.py."""

    def outputs(self) -> dict[NodeId, str]:
        """Every artifact of this revision: artifact id -> digest (your own media included)."""
        found: dict[NodeId, str] = {}
        for record in self.jobs.values():
            found.update(record.outputs)
        found.update({a: o.digest for a, o in self.overrides.items() if o.file is not None})
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "moviefile": dict(self.moviefile),
            "moviefile_text": self.moviefile_text,
            "overrides": {
                str(a): {"digest": o.digest, "text": o.text}
                | ({"file": o.file} if o.file is not None else {})
                for a, o in self.overrides.items()
            },
            "interrupted": self.interrupted,
            "jobs": {str(job): _without_job(record.to_json()) for job, record in self.jobs.items()},
            "timeline": self.timeline,
            "summary": self.summary.to_json(),
        } | ({"variant": self.variant} if self.variant else {})

    @classmethod
    def from_json(cls, value: Any, where: str) -> RevisionRecord:
        reader = _Reader(value, where)
        jobs: dict[NodeId, JobRecord] = {}
        for text_id, entry in reader.mapping("jobs", required=True).items():
            job = _node_id(text_id, f"{where}: jobs")
            jobs[job] = JobRecord.from_json(entry, f"{where}: job {text_id}", job)
        overrides: dict[NodeId, OverrideRecord] = {}
        for text_id, entry in reader.mapping("overrides").items():
            item = _Reader(entry, f"{where}: override {text_id}")
            overrides[_node_id(text_id, f"{where}: overrides")] = OverrideRecord(
                item.text("digest"), item.text("text"), item.optional_text("file")
            )
        return cls(
            created=reader.optional_text("created") or "",
            moviefile=reader.mapping("moviefile"),
            moviefile_text=reader.optional_text("moviefile_text") or "",
            overrides=overrides,
            interrupted=reader.flag("interrupted"),
            jobs=jobs,
            timeline=reader.optional_text("timeline"),
            summary=RevisionSummary.from_json(reader.data.get("summary"), f"{where}: summary"),
            variant=reader.optional_text("variant"),
        )


def _without_job(record: dict[str, Any]) -> dict[str, Any]:
    """A manifest keys its job records by id, so the record itself does not repeat it."""
    record.pop("job")
    return record


# The journal: one event per line, told apart by "event".


@dataclass(frozen=True)
class JobStarted:
    """A job was about to call its provider with this key."""

    job: NodeId
    key: str

    def to_json(self) -> dict[str, Any]:
        return {"event": "start", "job": str(self.job), "key": self.key}


@dataclass(frozen=True)
class JobEnded:
    """A job finished (done, failed, blocked or skipped); ``record`` is what the manifest keeps."""

    record: JobRecord

    def to_json(self) -> dict[str, Any]:
        return {"event": "end", **self.record.to_json()}


@dataclass(frozen=True)
class ProviderJobRecorded:
    """A provider-side job (a Replicate prediction, a fal request) was submitted for ``key``;
    ``data`` is what the adapter needs to resume waiting on it instead of paying again."""

    job: NodeId
    key: str
    data: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "provider-job",
            "job": str(self.job),
            "key": self.key,
            "data": dict(self.data),
        }


JournalEvent = JobStarted | JobEnded | ProviderJobRecorded


def event_from_json(value: Any, where: str) -> JournalEvent:
    """One journal line as its typed event; an unknown or malformed line is a StoreFormatError."""
    reader = _Reader(value, where)
    kind = reader.data.get("event")
    if kind == "start":
        return JobStarted(reader.node_id("job"), reader.text("key"))
    if kind == "end":
        return JobEnded(JobRecord.from_json(reader.data, where))
    if kind == "provider-job":
        data = reader.mapping("data")
        return ProviderJobRecorded(reader.node_id("job"), reader.text("key"), data)
    raise reader._fail("event", "start, end or provider-job")


def read_revision(store: Store, rev: int) -> RevisionRecord:
    """Revision ``rev``'s manifest, checked."""
    return RevisionRecord.from_json(store.read_manifest(rev), f"revision {rev}")


def write_revision(store: Store, rev: int, record: RevisionRecord) -> None:
    store.write_manifest(rev, record.to_json())


def read_events(store: Store, rev: int) -> tuple[list[JournalEvent], list[str]]:
    """Revision ``rev``'s journal as events, and a notice per line that could not be read.

    A damaged line is skipped, not fatal: what it recorded is only a result to reuse, and the
    job it names runs again.
    """
    events: list[JournalEvent] = []
    notices: list[str] = []
    for number, line in enumerate(store.read_journal(rev), start=1):
        try:
            events.append(event_from_json(line, f"journal {rev}, record {number}"))
        except StoreFormatError as exc:
            notices.append(f"{exc.message}; ignored (the job it names runs again)")
    return events, notices


def append_event(store: Store, rev: int, event: JournalEvent) -> None:
    store.append_journal(rev, event.to_json())
