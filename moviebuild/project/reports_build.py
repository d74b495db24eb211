"""Making the reports of ``reports.py``: a ``PlanReport`` from a plan, a ``BuildReport`` from a
build's outcomes. The one place either is computed, whichever door asks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

from moviebuild.config.moviefile import Moviefile
from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.plan import Plan
from moviebuild.graph import NodeId
from moviebuild.project.cost import missing_keys, plan_cost_usd
from moviebuild.project.records import BudgetStop, ProviderCost
from moviebuild.project.reports import (
    BudgetReport,
    BuildCost,
    BuildOutcome,
    BuildProviderCost,
    BuildReport,
    JobResult,
    JobResultStatus,
    PlanCost,
    PlannedJob,
    PlanProviderCost,
    PlanReport,
)
from moviebuild.providers.prices import PRICE_TABLE_VERSION

if TYPE_CHECKING:
    from collections.abc import Iterable

    from moviebuild.store import Store


def _usd(value: float) -> float:
    return round(value, 6)


def _budget(budget: BudgetStop | None) -> BudgetReport | None:
    if budget is None:
        return None
    return BudgetReport(
        budget_usd=budget.budget_usd, spent_usd=_usd(budget.spent_usd), left=dict(budget.left),
        left_estimate_usd=_usd(budget.left_estimate_usd), message=str(budget),
    )


def plan_report(plan: Plan, moviefile: Moviefile, store: Store | None = None) -> PlanReport:
    """The dry run's answer: jobs that would run with their reasons, cost per provider (LLM
    calls at token counts learned from ``store``'s call history and this machine's)."""
    costs = plan_cost_usd(plan, moviefile, store=store)
    calls = plan.calls_per_provider()
    to_run = plan.to_run()
    return PlanReport(
        inquiry=moviefile.inquiry,
        duration_s=moviefile.duration,
        segments=moviefile.segment_count,
        jobs=[
            PlannedJob(
                id=str(p.job.id),
                producer=p.job.producer,
                layer=p.layer,
                provider=p.adapter,
                reason=p.reason.kind.value if p.reason else "new",
                subject=p.reason.subject if p.reason else None,
                old=p.reason.old if p.reason else None,
                new=p.reason.new if p.reason else None,
            )
            for p in to_run
        ],
        up_to_date=len(plan.jobs) - len(to_run),
        layers=len(plan.graph.layers),
        critical_path_s=round(plan.critical_path_s(), 3),
        cost=PlanCost(
            estimate_usd=_usd(sum(costs.values())),
            providers=[
                PlanProviderCost(
                    provider=name, calls=calls.get(name, 0), estimate_usd=_usd(costs.get(name, 0))
                )
                for name in sorted(set(calls) | set(costs))
            ],
        ),
        missing_keys=missing_keys(plan),
    )


_STATUS: dict[JobStatus, JobResultStatus] = {
    JobStatus.DONE: "done",
    JobStatus.NEEDS_ATTENTION: "failed",
    JobStatus.BLOCKED: "blocked",
}


def job_results(
    plan: Plan, outcomes: Mapping[NodeId, JobOutcome]
) -> tuple[list[JobResult], int, int]:
    """The jobs of a build that ran, failed or were blocked (in the plan's order), and the
    counts of reused and skipped jobs."""
    results, reused, skipped = [], 0, 0
    for planned in plan.jobs:
        outcome = outcomes.get(planned.job.id)
        if outcome is None:
            continue
        if outcome.action is Action.REUSE:
            reused += 1
            continue
        if outcome.status is JobStatus.SKIPPED:
            skipped += 1
            continue
        results.append(
            JobResult(
                id=str(planned.job.id),
                producer=planned.job.producer,
                provider=planned.adapter,
                status=_STATUS[outcome.status],
                attempts=outcome.attempts,
                error=outcome.error,
                hint=outcome.hint,
                retryable=outcome.retryable,
            )
        )
    return results, reused, skipped


def build_report(
    plan: Plan,
    outcomes: Mapping[NodeId, JobOutcome],
    *,
    interrupted: bool,
    revision: int | None,
    wrote_revision: bool,
    estimate_usd: Mapping[str, float],
    costs: Mapping[str, ProviderCost],
    budget: BudgetStop | None = None,
    notices: Iterable[str],
    timeline: str | None,
    timeline_digest: str | None,
) -> BuildReport:
    """What a build did, from its plan and its outcomes."""
    jobs, reused, skipped = job_results(plan, outcomes)
    outcome: BuildOutcome = "interrupted" if interrupted else (
        "complete" if budget is None and all(job.status == "done" for job in jobs)
        else "incomplete"
    )
    calls: dict[str, int] = {}
    for job in jobs:
        if job.status != "blocked" and job.provider != "internal":
            calls[job.provider] = calls.get(job.provider, 0) + 1
    providers = sorted(set(calls) | set(estimate_usd) | set(costs))
    none = ProviderCost()
    billed = sum(c.billed_usd for c in costs.values())
    return BuildReport(
        outcome=outcome,
        revision=revision,
        wrote_revision=wrote_revision,
        jobs=jobs,
        ran=dict(Counter(job.producer for job in jobs if job.status == "done")),
        reused=reused,
        skipped=skipped,
        cost=BuildCost(
            estimate_usd=_usd(sum(estimate_usd.values())),
            spent_usd=_usd(billed),
            billed_usd=_usd(billed),
            saved_usd=_usd(sum(c.saved_usd for c in costs.values())),
            price_table=PRICE_TABLE_VERSION,
            budget=_budget(budget),
            providers=[
                BuildProviderCost(
                    provider=name,
                    calls=calls.get(name, 0),
                    estimate_usd=_usd(estimate_usd.get(name, 0.0)),
                    spent_usd=_usd(costs.get(name, none).billed_usd),
                    ran_estimate_usd=_usd(costs.get(name, none).estimated_usd),
                    billed_usd=_usd(costs.get(name, none).billed_usd),
                    difference_usd=_usd(costs.get(name, none).billed_usd
                                        - costs.get(name, none).estimated_usd),
                    saved_usd=_usd(costs.get(name, none).saved_usd),
                )
                for name in providers
            ],
        ),
        notices=list(notices),
        timeline=timeline,
        timeline_digest=timeline_digest,
    )
