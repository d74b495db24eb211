"""What a build did, and the shortcut for a build that has nothing to do.

Importable without asyncio: a no-op ``moviebuild`` plans, finds that the current revision already
records every job with the same key, and stops there without starting the scheduler.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.plan import Plan
from moviebuild.graph import NodeId
from moviebuild.project.results import StoreResults


@dataclass
class BuildResult:
    """What a build did. ``revision`` is the current revision afterwards (None if none exists)."""

    revision: int | None
    outcomes: dict[NodeId, JobOutcome]
    interrupted: bool = False
    wrote_revision: bool = True
    messages: list[str] = field(default_factory=list)
    timeline_digest: str | None = None

    def ran(self) -> dict[str, int]:
        return dict(
            Counter(
                o.job_id.name
                for o in self.outcomes.values()
                if o.action is Action.RUN and o.status is JobStatus.DONE
            )
        )

    def failed(self) -> list[JobOutcome]:
        return [o for o in self.outcomes.values() if o.status is JobStatus.NEEDS_ATTENTION]

    def blocked(self) -> list[NodeId]:
        return [o.job_id for o in self.outcomes.values() if o.status is JobStatus.BLOCKED]

    @property
    def complete(self) -> bool:
        return not self.interrupted and not self.failed() and not self.blocked()

    def summary(self, timeline_path: str | None = None) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "ran": self.ran(),
            "reused": sum(1 for o in self.outcomes.values() if o.action is Action.REUSE),
            "failed": [
                {"id": str(o.job_id), "error": o.error, "hint": o.hint, "retryable": o.retryable}
                for o in self.failed()
            ],
            "blocked": [str(b) for b in self.blocked()],
            "timeline": timeline_path,
        }


def up_to_date_result(plan: Plan, lookup: StoreResults) -> BuildResult | None:
    """The result of a build that would run nothing and change nothing, or None.

    ``plan`` must have been made with ``lookup``. Holds when no job runs and the current revision
    records every job of the plan with the same key and status.
    """
    if lookup.revision is None or plan.to_run():
        return None
    if {p.job.id for p in plan.jobs} != set(lookup.records):
        return None
    outcomes: dict[NodeId, JobOutcome] = {}
    for planned in plan.jobs:
        job_id, decision = planned.job.id, planned.decision
        previous = lookup.records[job_id]
        if planned.action is Action.SKIP:
            if previous.status is not JobStatus.SKIPPED:
                return None
            outcomes[job_id] = JobOutcome(
                job_id, JobStatus.SKIPPED, Action.SKIP, take=previous.take
            )
            continue
        fingerprint = decision.fingerprint
        if (
            previous.status is not JobStatus.DONE
            or fingerprint is None
            or (previous.key != fingerprint.key)
        ):
            return None
        outcomes[job_id] = JobOutcome(
            job_id,
            JobStatus.DONE,
            Action.REUSE,
            None,
            fingerprint,
            dict(decision.outputs or {}),
            take=fingerprint.take,
        )
    timeline = outcomes.get(NodeId("TimelineAssembler"))
    result = BuildResult(lookup.revision, outcomes, wrote_revision=False)
    result.timeline_digest = timeline.outputs.get("Timeline") if timeline else None
    return result
