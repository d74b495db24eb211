"""What a movie has spent, revision by revision: for ``moviebuild cost``, ``status`` and the
server's daily budgets; and what making stored outputs current again saved (a checkout, a
variant built from stored outputs). Read from the revisions' manifests (each job records what
its provider billed); it plans nothing and calls nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus
from moviebuild.project.folder import MovieFolder
from moviebuild.project.records import BudgetStop, ProviderCost, RevisionRecord, read_revision
from moviebuild.store import Store


@dataclass(frozen=True)
class RevisionSpending:
    """One revision's money: per provider (estimated, billed, saved), billed per producer."""

    revision: int
    created: str
    billed_usd: float
    costs: dict[str, ProviderCost]
    producers: dict[str, float]
    price_table: str | None = None
    budget: BudgetStop | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": f"r{self.revision}",
            "created": self.created,
            "billed_usd": round(self.billed_usd, 6),
            "estimated_usd": round(sum(c.estimated_usd for c in self.costs.values()), 6),
            "saved_usd": round(sum(c.saved_usd for c in self.costs.values()), 6),
            "per_provider": {name: cost.to_json() for name, cost in self.costs.items()},
            "per_producer_billed_usd": {k: round(v, 6) for k, v in self.producers.items()},
            "price_table": self.price_table,
            "budget": self.budget.to_json() if self.budget else None,
        }


@dataclass(frozen=True)
class SpendingReport:
    """The revisions from ``since`` on, and what they billed together."""

    revisions: list[RevisionSpending] = field(default_factory=list)

    @property
    def total_usd(self) -> float:
        return sum(r.billed_usd for r in self.revisions)

    def to_json(self) -> dict[str, Any]:
        return {"total_usd": round(self.total_usd, 6),
                "revisions": [r.to_json() for r in self.revisions]}


def revision_spending(rev: int, record: RevisionRecord) -> RevisionSpending:
    producers: dict[str, float] = {}
    for job_id, job in record.jobs.items():
        if job.action is Action.RUN and job.billed_usd:
            producers[job_id.name] = producers.get(job_id.name, 0.0) + job.billed_usd
    summary = record.summary
    return RevisionSpending(rev, record.created, summary.cost_usd, dict(summary.costs),
                            dict(sorted(producers.items())), summary.price_table, summary.budget)


def spending_report(store: Store, since: int | None = None) -> SpendingReport:
    """Spending of every revision numbered ``since`` or later (all when None)."""
    revisions = [rev for rev in store.list_revisions() if since is None or rev >= since]
    return SpendingReport([revision_spending(rev, read_revision(store, rev))
                           for rev in sorted(revisions)])


def movie_spending(movie: MovieFolder, since: int | None = None) -> SpendingReport:
    """``spending_report`` of ``movie``'s store; a movie never built has spent nothing."""
    if not movie.store_exists():
        return SpendingReport()
    with movie.open_store() as store:
        return spending_report(store, since)


@dataclass(frozen=True)
class Restored:
    """Stored outputs made current again without calling anything: ``jobs`` paid jobs whose
    calls billed ``saved_usd`` when they ran. Reuse, so saved and never spent."""

    revision: int
    jobs: int
    saved_usd: float
    spent_usd: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"revision": f"r{self.revision}", "jobs": self.jobs,
                "saved_usd": round(self.saved_usd, 6), "spent_usd": self.spent_usd}


def paid_calls(records: Iterable[RevisionRecord]) -> dict[str, float]:
    """What each paid call of ``records`` billed, by its job key."""
    calls: dict[str, float] = {}
    for record in records:
        for job in record.jobs.values():
            if job.action is Action.RUN and job.billed_usd and job.key:
                calls[job.key] = job.billed_usd
    return calls


def restored_value(rev: int, record: RevisionRecord, calls: Mapping[str, float]) -> Restored:
    """What making ``record``'s outputs current again saves: what the paid calls behind them
    billed (``calls``, from ``paid_calls``), each call once. A checkout counts it; a variant
    made from stored outputs counts its reused jobs the same way."""
    keys = {job.key for job in record.jobs.values()
            if job.key and job.outputs and job.status is JobStatus.DONE and job.key in calls}
    return Restored(rev, len(keys), sum(calls[key] for key in keys))


def restored_from_store(store: Store, rev: int) -> Restored:
    """``restored_value`` of revision ``rev``, the paid calls read from every revision."""
    records = {r: read_revision(store, r) for r in store.list_revisions()}
    return restored_value(rev, records[rev], paid_calls(records.values()))
