"""Cost of a plan or a build from the price table (only jobs that run cost anything), and the
chosen providers whose key is not in the environment."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from moviebuild.config.moviefile import READABLE_FIELDS, Moviefile
from moviebuild.engine.decide import Action
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.plan import Plan, PlannedJob
from moviebuild.errors import BudgetExceeded
from moviebuild.graph import NodeId
from moviebuild.providers.prices import job_cost_usd

if TYPE_CHECKING:
    pass


def _fields(moviefile: Moviefile) -> dict[str, Any]:
    return {name: moviefile.field_value(name) for name in READABLE_FIELDS}


def planned_cost_usd(planned: Iterable[PlannedJob], moviefile: Moviefile) -> dict[str, float]:
    """Estimated cost per provider of running each of ``planned`` once, by its identity."""
    fields = _fields(moviefile)
    totals: dict[str, float] = {}
    for p in planned:
        identity, job = p.identity, p.job
        cost = job_cost_usd(job.producer, job.role, identity.adapter, identity.model, fields)
        if cost:
            totals[identity.adapter] = totals.get(identity.adapter, 0.0) + cost
    return totals


def plan_cost_usd(plan: Plan, moviefile: Moviefile) -> dict[str, float]:
    """Estimated cost per provider of the stale work in ``plan`` (reused jobs cost nothing)."""
    return planned_cost_usd(plan.to_run(), moviefile)


def outcomes_cost_usd(
    outcomes: Mapping[NodeId, JobOutcome], plan: Plan, moviefile: Moviefile
) -> dict[str, float]:
    """Estimated cost of the calls a build of ``plan`` made (retries of a job not counted)."""
    ran = [
        p for p in plan.jobs
        if (o := outcomes.get(p.job.id)) is not None and o.action is Action.RUN
    ]
    return planned_cost_usd(ran, moviefile)


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
