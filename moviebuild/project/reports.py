"""The answers of ``plan``, ``build`` and ``log``: one pydantic class each, the same through every
door (the Python API, ``moviebuild.connect``, the HTTP API, the DBOS workers, ``--json``), with
published JSON Schemas (``moviebuild schema plan|build|revision``).

Only the documents live here (pydantic, nothing else), so a remote client reads them without
loading the engine; ``reports_build.py`` makes them from a plan or a build's outcomes.

Fields may be added in later versions; a reader ignores fields it does not know, so an older
client can read a newer server's reports. Cost sections are a list of small per-provider models
plus totals, so a new kind of cost is one more field in each.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

REPORT_FORMAT_VERSION: Literal[1] = 1


class _Report(BaseModel):
    # Validators are built on first use, so a command pays only for the documents it makes.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    def to_json(self) -> str:
        """The report as JSON text (what ``--json`` prints)."""
        return self.model_dump_json(indent=2)


# The plan (a dry run).


class PlannedJob(_Report):
    """A job the build would run, and its one reason (``reason`` is the kind, e.g.
    ``input-changed``; ``subject`` what changed, with its ``old`` and ``new`` values)."""

    id: str = Field(description="job id, e.g. TextToImageProducer[3][2]")
    producer: str
    layer: int = Field(description="the job's layer: every job of a layer can run at once")
    provider: str = Field(description="the adapter it calls; internal jobs call nobody")
    reason: str
    subject: str | None = None
    old: str | None = None
    new: str | None = None
    references: list[str] = Field(
        default_factory=list, description="continuity sheets this image or video job uses"
    )
    references_as: Literal["pictures", "description"] | None = Field(
        None, description="pictures: the model is sent the sheets' images; description: only "
        "their descriptions, in the prompt (the adapter sends no pictures)"
    )

    def why(self) -> str:
        """The reason as people read it: ``input-changed: SegmentNarration[2]``."""
        if self.reason == "implementation-changed" and self.subject:
            return f"{self.reason}: {self.subject} {self.old or 'none'} -> {self.new or 'none'}"
        return f"{self.reason}: {self.subject}" if self.subject else self.reason


class PlanProviderCost(_Report):
    """One provider's part of a plan: the calls it would get and their estimated cost."""

    provider: str
    calls: int = 0
    estimate_usd: float = 0.0


class PlanCost(_Report):
    """What the plan would cost: the total and each provider's part (providers by name)."""

    estimate_usd: float = 0.0
    providers: list[PlanProviderCost] = Field(default_factory=list)


class PlanReport(_Report):
    """What a build would do now: the jobs that run and why, the calls and cost per provider,
    the critical path, and the chosen providers without a key."""

    format_version: Literal[1] = REPORT_FORMAT_VERSION
    inquiry: str
    duration_s: float
    segments: int
    jobs: list[PlannedJob] = Field(description="the jobs that would run, in topological order")
    up_to_date: int = Field(description="jobs that would not run (reused or skipped)")
    layers: int = Field(description="layers of the movie's graph")
    critical_path_s: float = Field(
        description="the longest chain of nominal latencies through the jobs that run"
    )
    cost: PlanCost
    variant: str | None = Field(
        default=None,
        description="the variant planned (`variants:` in the Moviefile); null: the base",
    )
    missing_keys: list[str] = Field(
        default_factory=list, description="a warning per called provider without its key"
    )

    @property
    def total_jobs(self) -> int:
        return len(self.jobs) + self.up_to_date

    def run_counts(self) -> dict[str, int]:
        """Jobs that would run, per producer."""
        return dict(Counter(job.producer for job in self.jobs))

    def calls(self) -> dict[str, int]:
        """Provider calls per provider."""
        return {p.provider: p.calls for p in self.cost.providers if p.calls}


# The build.

JobResultStatus = Literal["done", "failed", "blocked"]


class JobResult(_Report):
    """A job that ran in this build (done or failed) or could not start (blocked by a failed
    job upstream). ``attempts`` counts the calls, retries included."""

    id: str
    producer: str
    provider: str = Field(description="the adapter it called; internal jobs call nobody")
    status: JobResultStatus
    attempts: int = 0
    error: str | None = None
    hint: str | None = Field(None, description="what to do about a failure, when known")
    retryable: bool | None = Field(
        None, description="for a failure: whether building again may succeed as is"
    )


class BuildProviderCost(_Report):
    """One provider's part of a build: the calls made, the plan's estimate, the estimate of the
    calls that ran, what the provider reported they billed (at the price table's prices;
    ``spent_usd`` is the same figure) and its difference from that estimate, and what reusing
    stored results saved (their price at today's table)."""

    provider: str
    calls: int = 0
    estimate_usd: float = 0.0
    spent_usd: float = 0.0
    ran_estimate_usd: float = 0.0
    billed_usd: float = 0.0
    difference_usd: float = Field(default=0.0,
                                  description="billed minus the estimate of what ran")
    saved_usd: float = 0.0


class BudgetReport(_Report):
    """A build its budget stopped: what it spent of what budget, what is left to build (jobs
    per producer) and the estimate of that. ``message`` says it for people."""

    budget_usd: float
    spent_usd: float
    left: dict[str, int] = Field(default_factory=dict)
    left_estimate_usd: float = 0.0
    message: str


class BuildCost(_Report):
    """``estimate_usd``: the plan's estimate before the build; ``billed_usd`` (and
    ``spent_usd``, the same): what the providers reported the calls that ran billed, at the
    price table of ``price_table``; ``saved_usd``: the price of the reused jobs; ``budget``:
    set when the budget stopped the build."""

    estimate_usd: float = 0.0
    spent_usd: float = 0.0
    billed_usd: float = 0.0
    saved_usd: float = 0.0
    price_table: str | None = Field(default=None, description="the date of the prices used")
    budget: BudgetReport | None = None
    providers: list[BuildProviderCost] = Field(default_factory=list)


BuildOutcome = Literal["complete", "incomplete", "interrupted"]


class BuildReport(_Report):
    """What a build did. ``outcome``: complete, incomplete (failed or blocked jobs) or
    interrupted (stopped; finished work is kept). ``revision`` is the current revision
    afterwards; ``wrote_revision`` is false when nothing changed."""

    format_version: Literal[1] = REPORT_FORMAT_VERSION
    outcome: BuildOutcome
    revision: int | None
    wrote_revision: bool
    jobs: list[JobResult] = Field(
        default_factory=list,
        description="every job that ran, failed or was blocked, in topological order",
    )
    ran: dict[str, int] = Field(
        default_factory=dict, description="jobs that ran and finished, per producer"
    )
    reused: int = Field(0, description="jobs whose stored result was reused")
    skipped: int = Field(0, description="jobs with every output overridden")
    cost: BuildCost = Field(default_factory=BuildCost)
    variant: str | None = Field(
        default=None,
        description="the variant built (`variants:` in the Moviefile); null: the base",
    )
    notices: list[str] = Field(default_factory=list)
    timeline: str | None = Field(
        None, description="the timeline file, relative to the movie folder (out/timeline.json)"
    )
    timeline_digest: str | None = None

    @property
    def complete(self) -> bool:
        return self.outcome == "complete"

    @property
    def interrupted(self) -> bool:
        return self.outcome == "interrupted"

    def failed(self) -> list[JobResult]:
        return [job for job in self.jobs if job.status == "failed"]

    def blocked(self) -> list[JobResult]:
        return [job for job in self.jobs if job.status == "blocked"]

    def job(self, job_id: str) -> JobResult | None:
        return next((job for job in self.jobs if job.id == job_id), None)


# The log.


class RevisionEntry(_Report):
    """One revision, as ``log`` lists them: when, calls per producer, reuse, failures, cost,
    and what changed since the revision before."""

    revision: int
    name: str = Field(description="how commands name it: r3")
    created: str
    current: bool
    calls: int
    ran: dict[str, int]
    reused: int
    failed: int
    blocked: int
    interrupted: bool
    spent_usd: float
    changes: list[str] = Field(
        default_factory=list,
        description="what changed since the revision before: Moviefile settings "
        "(voice: alice -> bob), edited texts, redone jobs",
    )


REPORTS: dict[str, type[BaseModel]] = {
    "plan": PlanReport,
    "build": BuildReport,
    "revision": RevisionEntry,
}


def report_json_schema(name: str) -> dict[str, Any]:
    """The published JSON Schema of the ``plan``, ``build`` or ``revision`` report."""
    return REPORTS[name].model_json_schema()
