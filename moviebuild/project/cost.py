"""Cost of a plan or a build from the price table (only jobs that run cost anything), and the
chosen providers whose key is not in the environment."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from moviebuild.config.moviefile import READABLE_FIELDS, Moviefile
from moviebuild.engine.decide import Action
from moviebuild.engine.outcome import JobOutcome
from moviebuild.engine.plan import Plan
from moviebuild.errors import BudgetExceeded
from moviebuild.graph import Job
from moviebuild.project.executor import ProviderExecutor
from moviebuild.providers.prices import job_cost_usd

if TYPE_CHECKING:
    from moviebuild.project.movie import Snapshot


def _fields(moviefile: Moviefile) -> dict[str, Any]:
    return {name: moviefile.field_value(name) for name in READABLE_FIELDS}


def jobs_cost_usd(jobs: Iterable[Job], moviefile: Moviefile) -> dict[str, float]:
    """Estimated cost per provider of running ``jobs`` once each."""
    executor = ProviderExecutor(moviefile)
    fields = _fields(moviefile)
    totals: dict[str, float] = {}
    for job in jobs:
        identity = executor.identity(job)
        cost = job_cost_usd(job.producer, job.role, identity.adapter, identity.model, fields)
        if cost:
            totals[identity.adapter] = totals.get(identity.adapter, 0.0) + cost
    return totals


def plan_cost_usd(plan: Plan, moviefile: Moviefile) -> dict[str, float]:
    """Estimated cost per provider of the stale work in ``plan`` (reused jobs cost nothing)."""
    return jobs_cost_usd((p.job for p in plan.to_run()), moviefile)


def outcomes_cost_usd(outcomes: Iterable[JobOutcome], snapshot: Snapshot) -> dict[str, float]:
    """Estimated cost of the calls a build made (retries of the same job not counted)."""
    ran = [
        snapshot.graph.jobs[o.job_id]
        for o in outcomes
        if o.action is Action.RUN and o.job_id in snapshot.graph.jobs
    ]
    return jobs_cost_usd(ran, snapshot.moviefile)


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
