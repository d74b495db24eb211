"""Cost of a plan or a build from the price table: only jobs that run cost anything."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from moviebuild.config.moviefile import READABLE_FIELDS, Moviefile
from moviebuild.engine.plan import Plan
from moviebuild.graph import Job
from moviebuild.project.executor import ProviderExecutor
from moviebuild.providers.prices import job_cost_usd


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
