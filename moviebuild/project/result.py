"""The one test of "up to date" (the outcomes match the current revision), and the outcomes of a
plan that runs nothing.

Importable without asyncio: a no-op build plans, finds that the current revision already records
every job with the same key, and stops there without starting the scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping

from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.plan import Plan
from moviebuild.graph import NodeId
from moviebuild.project.results import StoreResults


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
