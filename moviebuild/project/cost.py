"""Cost of a plan or a build from the price table: the estimate of the stale work (with token
counts learned from earlier calls), and a build's figures per provider: the estimate of the
calls that ran, what the providers reported they billed, and what reuse saved.

A call's bill is recorded with its outcome (``spending.BuildSpending``). Reused jobs cost
nothing; their price at today's table is what reuse saved. Also: the chosen providers whose
key is not in the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import Moviefile
from moviebuild.engine.decide import Action
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.plan import Plan
from moviebuild.errors import BudgetExceeded
from moviebuild.graph import Graph, Job
from moviebuild.project.executor import ProviderExecutor
from moviebuild.project.records import ProviderCost
from moviebuild.project.spending import JobPricing
from moviebuild.providers.prices import FREE_ADAPTERS, Learned

if TYPE_CHECKING:
    from moviebuild.project.movie import Snapshot


def job_pricing(moviefile: Moviefile, jobs: Iterable[Job] = (),
                learned: Learned | None = None) -> JobPricing:
    """Pricing for ``moviefile``'s jobs; the token history is read only when one of ``jobs``
    is a paid LLM call (so offline dry runs read no file)."""
    executor = ProviderExecutor(moviefile)
    if learned is None and any(
        job.role is Role.TEXT and executor.identity(job).adapter not in FREE_ADAPTERS
        for job in jobs
    ):
        from moviebuild.project.usage_history import learned_estimates

        learned = learned_estimates()
    return JobPricing(moviefile, executor.identity, learned)


def jobs_cost_usd(jobs: Iterable[Job], moviefile: Moviefile,
                  learned: Learned | None = None) -> dict[str, float]:
    """Estimated cost per provider of running ``jobs`` once each."""
    jobs = list(jobs)
    pricing = job_pricing(moviefile, jobs, learned)
    totals: dict[str, float] = {}
    for job in jobs:
        cost = pricing.estimate_usd(job)
        if cost:
            adapter = pricing.identity(job).adapter
            totals[adapter] = totals.get(adapter, 0.0) + cost
    return totals


def plan_cost_usd(plan: Plan, moviefile: Moviefile,
                  learned: Learned | None = None) -> dict[str, float]:
    """Estimated cost per provider of the stale work in ``plan`` (reused jobs cost nothing)."""
    return jobs_cost_usd((p.job for p in plan.to_run()), moviefile, learned)


def build_costs(outcomes: Iterable[JobOutcome], snapshot: Snapshot,
                learned: Learned | None = None) -> dict[str, ProviderCost]:
    """Per provider: the estimate of the calls that ran, their bill, what reuse saved."""
    outcomes = [o for o in outcomes if o.job_id in snapshot.graph.jobs]
    graph: Graph = snapshot.graph
    pricing = job_pricing(snapshot.moviefile, (graph.jobs[o.job_id] for o in outcomes), learned)
    figures: dict[str, list[float]] = {}
    for outcome in outcomes:
        job = graph.jobs[outcome.job_id]
        adapter = pricing.identity(job).adapter
        if adapter in FREE_ADAPTERS or outcome.action is Action.SKIP or outcome.action is None:
            continue
        estimate = pricing.estimate_usd(job)
        entry = figures.setdefault(adapter, [0.0, 0.0, 0.0])
        if outcome.action is Action.REUSE:
            entry[2] += estimate
            continue
        entry[0] += estimate
        entry[1] += outcome.billed_usd or 0.0
    return {name: ProviderCost(*values) for name, values in sorted(figures.items())}


def check_budget(total: float, budget_usd: float | None) -> None:
    """BudgetExceeded when ``total``, the estimate of the stale work, is above ``budget_usd``."""
    if budget_usd is not None and total > budget_usd:
        raise BudgetExceeded(
            f"the estimated cost ${total:.2f} is over the budget ${budget_usd:.2f}",
            hint="raise --budget, choose cheaper models, or build fewer changes at once "
            "(`moviebuild --dry-run` itemises the cost)",
        )


def missing_keys(plan: Plan, environ: dict[str, str] | None = None) -> list[str]:
    """A warning per provider the stale jobs call whose key is not in the environment."""
    from moviebuild.providers.endpoints import ENDPOINTS

    environ = dict(os.environ) if environ is None else environ
    warnings = []
    for adapter in sorted(plan.calls_per_provider()):
        endpoint = ENDPOINTS.get(adapter)
        if endpoint is not None and not environ.get(endpoint.key_env):
            warnings.append(
                f"{adapter} is chosen but {endpoint.key_env} is not set; its calls will fail"
            )
    return warnings
