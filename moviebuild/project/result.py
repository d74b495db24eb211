"""What a build did, and the one test of "up to date": the outcomes match the current revision.

Importable without asyncio: a no-op build plans, finds that the current revision already records
every job with the same key, and stops there without starting the scheduler.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.plan import Plan
from moviebuild.graph import NodeId
from moviebuild.project.records import BudgetStop, FailureRecord, ProviderCost
from moviebuild.project.results import StoreResults
from moviebuild.providers.prices import PRICE_TABLE_VERSION


@dataclass
class BuildResult:
    """What a build did. ``revision`` is the current revision afterwards (None if none exists);
    ``estimate_usd`` the plan's estimate, ``cost_usd`` what the calls that ran billed (as
    their providers reported it, at the price table's prices), ``costs`` the same per provider
    with the estimate and what reuse saved; ``budget`` is set when the budget stopped the
    build; ``messages`` the notices for the user."""

    revision: int | None
    outcomes: dict[NodeId, JobOutcome]
    interrupted: bool = False
    wrote_revision: bool = True
    messages: list[str] = field(default_factory=list)
    timeline_digest: str | None = None
    timeline_path: Path | None = None
    estimate_usd: float = 0.0
    cost_usd: float = 0.0
    saved_usd: float = 0.0
    costs: dict[str, ProviderCost] = field(default_factory=dict)
    budget: BudgetStop | None = None
    price_table: str = PRICE_TABLE_VERSION

    def __post_init__(self) -> None:
        if self.timeline_digest is None:
            assembler = self.outcomes.get(NodeId("TimelineAssembler"))
            if assembler is not None and assembler.outputs:
                self.timeline_digest = assembler.outputs.get("Timeline")

    def ran(self) -> dict[str, int]:
        return dict(
            Counter(
                o.job_id.name
                for o in self.outcomes.values()
                if o.action is Action.RUN and o.status is JobStatus.DONE
            )
        )

    def reused(self) -> int:
        return sum(1 for o in self.outcomes.values() if o.action is Action.REUSE)

    def failed(self) -> list[JobOutcome]:
        return [o for o in self.outcomes.values() if o.status is JobStatus.NEEDS_ATTENTION]

    def failure_records(self) -> Iterator[FailureRecord]:
        for outcome in self.failed():
            yield FailureRecord(outcome.job_id, outcome.error, outcome.retryable)

    def blocked(self) -> list[NodeId]:
        return [o.job_id for o in self.outcomes.values() if o.status is JobStatus.BLOCKED]

    @property
    def complete(self) -> bool:
        return (not self.interrupted and not self.failed() and not self.blocked()
                and self.budget is None)

    @property
    def status(self) -> str:
        """complete, incomplete (failed or blocked jobs) or interrupted."""
        if self.interrupted:
            return "interrupted"
        return "complete" if self.complete else "incomplete"

    def summary(self) -> dict[str, Any]:
        """The build summary ``--json`` prints."""
        return {
            "revision": self.revision,
            "status": self.status,
            "wrote_revision": self.wrote_revision,
            "ran": self.ran(),
            "reused": self.reused(),
            "failed": [
                {"id": str(o.job_id), "error": o.error, "hint": o.hint, "retryable": o.retryable}
                for o in self.failed()
            ],
            "blocked": [str(b) for b in self.blocked()],
            "timeline": str(self.timeline_path) if self.timeline_path else None,
            "cost_usd": self.cost_usd,
            "estimate_usd": self.estimate_usd,
            "saved_usd": self.saved_usd,
            "costs": {name: cost.to_json() for name, cost in self.costs.items()},
            "price_table": self.price_table,
            "budget": self.budget.to_json() if self.budget else None,
            "notices": list(self.messages),
        }


def planned_outcomes(plan: Plan) -> dict[NodeId, JobOutcome]:
    """The outcomes of a plan that runs nothing: every job reused or skipped as planned."""
    outcomes: dict[NodeId, JobOutcome] = {}
    for planned in plan.jobs:
        job_id, decision = planned.job.id, planned.decision
        if planned.action is Action.SKIP:
            outcomes[job_id] = JobOutcome(job_id, JobStatus.SKIPPED, Action.SKIP)
            continue
        fingerprint = decision.fingerprint
        outcomes[job_id] = JobOutcome(
            job_id,
            JobStatus.DONE,
            Action.REUSE,
            None,
            fingerprint,
            dict(decision.outputs or {}),
            take=fingerprint.take if fingerprint else 0,
        )
    return outcomes


def matches_current(outcomes: Mapping[NodeId, JobOutcome], lookup: StoreResults) -> bool:
    """True when nothing ran and the current revision records every job with the same key and
    status: such a build has nothing to write. The one definition of "up to date"."""
    if lookup.revision is None or set(outcomes) != set(lookup.records):
        return False
    for job_id, outcome in outcomes.items():
        previous = lookup.records[job_id]
        key = outcome.fingerprint.key if outcome.fingerprint else None
        if outcome.action is Action.RUN or previous.status != outcome.status:
            return False
        if outcome.status is not JobStatus.SKIPPED and previous.key != key:
            return False
    return True
