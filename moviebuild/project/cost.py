"""Cost of a plan or a build from the price table: the estimate of the stale work (with token
counts learned from earlier calls), and a build's figures per provider: the estimate of the
calls that ran, what the providers reported they billed, and what reuse saved.

Every job is priced by its identity as planned (``PlannedJob.identity``), never worked out
again. A call's bill is recorded with its outcome (``spending.BuildSpending``). Reused jobs cost
nothing; their price at today's table is what reuse saved. Also: the chosen providers whose
key is not in the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import Moviefile
from moviebuild.engine.decide import Action
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.plan import Plan, PlannedJob
from moviebuild.errors import BudgetExceeded
from moviebuild.graph import NodeId
from moviebuild.project.records import ProviderCost
from moviebuild.project.spending import JobPricing
from moviebuild.providers.prices import FREE_ADAPTERS, Learned

if TYPE_CHECKING:
    from moviebuild.store import Store


def _learned(planned: Sequence[PlannedJob], learned: Learned | None,
             store: Store | None = None) -> Learned | None:
    """``learned``, else the call history (``store``'s, then this machine's) when one of
    ``planned`` is a paid LLM call (so offline dry runs read nothing)."""
    if learned is not None or not any(
        p.job.role is Role.TEXT and p.adapter not in FREE_ADAPTERS for p in planned
    ):
        return learned
    from moviebuild.project.usage_history import learned_estimates

    return learned_estimates(store=store)


def job_pricing(plan: Plan, moviefile: Moviefile, learned: Learned | None = None,
                store: Store | None = None) -> JobPricing:
    """Pricing for every job of ``plan`` by its planned identity; the call history (of
    ``store``, the movie's, and of this machine) is read only when a stale job is a paid LLM
    call."""
    return JobPricing(moviefile, plan.identities(), _learned(plan.to_run(), learned, store))


def planned_cost_usd(planned: Iterable[PlannedJob], moviefile: Moviefile,
                     learned: Learned | None = None,
                     store: Store | None = None) -> dict[str, float]:
    """Estimated cost per provider of running each of ``planned`` once, by its identity."""
    planned = list(planned)
    identities = {p.job.id: p.identity for p in planned}
    pricing = JobPricing(moviefile, identities, _learned(planned, learned, store))
    totals: dict[str, float] = {}
    for p in planned:
        cost = pricing.estimate_usd(p.job)
        if cost:
            totals[p.adapter] = totals.get(p.adapter, 0.0) + cost
    return totals


def plan_cost_usd(plan: Plan, moviefile: Moviefile, learned: Learned | None = None,
                  store: Store | None = None) -> dict[str, float]:
    """Estimated cost per provider of the stale work in ``plan`` (reused jobs cost nothing)."""
    return planned_cost_usd(plan.to_run(), moviefile, learned, store)


def build_costs(outcomes: Mapping[NodeId, JobOutcome], plan: Plan, moviefile: Moviefile,
                learned: Learned | None = None) -> dict[str, ProviderCost]:
    """Per provider of a build of ``plan``: the estimate of the calls that ran (retries of a
    job not counted), their bill, what reuse saved."""
    ended = [(p, o) for p in plan.jobs if (o := outcomes.get(p.job.id)) is not None]
    pricing = JobPricing(moviefile, plan.identities(), _learned([p for p, _ in ended], learned))
    figures: dict[str, list[float]] = {}
    for planned, outcome in ended:
        if (planned.adapter in FREE_ADAPTERS or outcome.action is Action.SKIP
                or outcome.action is None):
            continue
        estimate = pricing.estimate_usd(planned.job)
        entry = figures.setdefault(planned.adapter, [0.0, 0.0, 0.0])
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
