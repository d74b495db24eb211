"""Money during one build: what each call's provider reported it billed, and the budget that
holds while the build runs.

``BuildSpending`` collects the ``Usage`` adapters report through their call context, prices it
with the price table, and is the engine's ``Spending``: before a job's first call it admits the
job only when what was spent, plus the estimate of every call in flight, plus this call's
estimate stays within the budget. It neither stops calls in flight nor decides what is left.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from moviebuild.config.moviefile import READABLE_FIELDS, Moviefile
from moviebuild.engine.interfaces import JobStatus
from moviebuild.engine.keys import JobIdentity
from moviebuild.engine.outcome import JobOutcome
from moviebuild.graph import Job, NodeId
from moviebuild.providers.prices import Learned, billed_usd, job_cost_usd
from moviebuild.providers.usage import Usage


def moviefile_fields(moviefile: Moviefile) -> dict[str, Any]:
    return {name: moviefile.field_value(name) for name in READABLE_FIELDS}


class JobPricing:
    """Estimates and bills of single jobs of one Moviefile, each by its identity as planned
    (``identities`` by job id, ``Plan.identities()``)."""

    def __init__(self, moviefile: Moviefile, identities: Mapping[NodeId, JobIdentity],
                 learned: Learned | None = None) -> None:
        self.fields = moviefile_fields(moviefile)
        self.identities = identities
        self.learned = learned

    def identity(self, job: Job) -> JobIdentity:
        return self.identities[job.id]

    def estimate_usd(self, job: Job) -> float:
        found = self.identity(job)
        return job_cost_usd(job.producer, job.role, found.adapter, found.model, self.fields,
                            self.learned)

    def billed_usd(self, job: Job, usages: list[Usage]) -> float:
        found = self.identity(job)
        return billed_usd(found.adapter, found.model, job.role, usages)


class BuildSpending:
    """Usage per job as reported, its bill, and the budget gate (``budget_usd`` None: no
    limit). Reports may arrive from worker threads, so the ledger is locked."""

    def __init__(self, pricing: JobPricing, budget_usd: float | None = None) -> None:
        self.pricing = pricing
        self.budget_usd = budget_usd
        self._usage: dict[NodeId, list[Usage]] = {}
        self._in_flight: dict[NodeId, float] = {}
        self._spent_usd = 0.0
        self._lock = threading.Lock()

    def reporter(self, job: Job) -> Callable[[Usage], None]:
        def report(usage: Usage) -> None:
            with self._lock:
                self._usage.setdefault(job.id, []).append(usage)

        return report

    def usage(self, job: Job) -> list[Usage]:
        with self._lock:
            return list(self._usage.get(job.id, ()))

    def billed_usd(self, job: Job, outcome: JobOutcome) -> float | None:
        """The bill of ``job``'s reported calls. A paid call that reported nothing counts at
        its estimate when it succeeded and at nothing when it failed (providers do not bill
        refusals); None for free jobs."""
        usages = self.usage(job)
        if usages:
            return self.pricing.billed_usd(job, usages)
        estimate = self.pricing.estimate_usd(job)
        if not estimate:
            return None
        return estimate if outcome.status is JobStatus.DONE else 0.0

    @property
    def spent_usd(self) -> float:
        """What the jobs that ended billed (their estimate when a paid call reported nothing)."""
        return self._spent_usd

    def admit(self, job: Job) -> bool:
        estimate = self.pricing.estimate_usd(job)
        with self._lock:
            committed = self._spent_usd + sum(self._in_flight.values())
            if self.budget_usd is not None and estimate and (
                    committed + estimate > self.budget_usd + 1e-9):
                return False
            self._in_flight[job.id] = estimate
        return True

    def ended(self, job: Job, outcome: JobOutcome) -> None:
        billed = outcome.billed_usd
        if billed is None:
            billed = self.billed_usd(job, outcome)
        with self._lock:
            self._in_flight.pop(job.id, None)
            self._spent_usd += billed or 0.0
