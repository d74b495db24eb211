"""The plan: every job of the graph with its action (run, reuse, skip) and its one reason.

Planning walks the graph in topological order carrying the digests it knows (overrides, stored
results, and outputs of jobs the executor can predict exactly for free, like the offline text
writer). A job with an input nobody can know yet runs with ``upstream-will-change``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from moviebuild.config.moviefile import Moviefile
from moviebuild.engine.decide import Action, Decision, JobDecider
from moviebuild.engine.interfaces import Attachments, JobExecutor, JobRequest, ResultLookup
from moviebuild.engine.keys import JobIdentity, content_digest
from moviebuild.engine.reasons import Reason
from moviebuild.graph import Graph, Job, NodeId


@dataclass(frozen=True)
class PlannedJob:
    """One job with its decision and its full identity (adapter, model, pool, implementation),
    which the build's cost, notices, pools and executor read instead of working it out again."""

    job: Job
    decision: Decision
    identity: JobIdentity
    layer: int

    @property
    def adapter(self) -> str:
        return self.identity.adapter

    @property
    def pool(self) -> str:
        return self.identity.pool

    @property
    def action(self) -> Action:
        return self.decision.action

    @property
    def reason(self) -> Reason | None:
        return self.decision.reason


@dataclass(frozen=True)
class Plan:
    """A build's jobs in topological order; the plan of a dry run and the start of a build."""

    graph: Graph
    jobs: tuple[PlannedJob, ...]

    def identities(self) -> dict[NodeId, JobIdentity]:
        """Every job's identity, by job id."""
        return {p.job.id: p.identity for p in self.jobs}

    def to_run(self) -> list[PlannedJob]:
        return [p for p in self.jobs if p.action is Action.RUN]

    def run_counts(self) -> dict[str, int]:
        """Jobs that will run, per producer."""
        return dict(Counter(p.job.producer for p in self.to_run()))

    def calls_per_provider(self) -> dict[str, int]:
        """Provider calls that will be made, per adapter (internal jobs call nobody)."""
        return dict(Counter(p.adapter for p in self.to_run() if p.adapter != "internal"))

    def critical_path_s(self) -> float:
        """Longest chain of nominal latencies through the jobs that run (reused jobs take 0 s)."""
        finish: dict[NodeId, float] = {}
        for planned in self.jobs:
            start = max((finish[d] for d in self.graph.dependencies(planned.job.id)), default=0.0)
            cost = planned.job.latency_s if planned.action is Action.RUN else 0.0
            finish[planned.job.id] = start + cost
        return max(finish.values(), default=0.0)


def make_plan(
    graph: Graph,
    moviefile: Moviefile,
    lookup: ResultLookup,
    executor: JobExecutor,
    *,
    overrides: Mapping[NodeId, bytes] | None = None,
    redo: Iterable[NodeId] = (),
    attachments: Attachments | None = None,
) -> Plan:
    """Decide every job of ``graph``; pure apart from reading stored results."""
    decider = JobDecider(moviefile, overrides or {}, lookup, executor, redo, attachments)
    known: dict[NodeId, str] = dict(decider.override_digests)
    contents: dict[NodeId, bytes] = dict(decider.overrides)
    planned = []
    has_results = lookup.has_results()
    for job in graph.jobs.values():
        if all(a in known for a in job.consumes):
            decision = decider.decide(job, known)
        else:
            decision = decider.decide_blind(job)
        if decision.outputs is not None:
            for name, digest in decision.outputs.items():
                known.setdefault(_artifact(job, name), digest)
        elif (
            decision.action is Action.RUN
            and decision.fingerprint
            and has_results
            and executor.can_predict(job)
        ):
            inputs = {a: _content(a, known, contents, lookup) for a in job.consumes}
            request = JobRequest(job, decider.field_values(job), inputs, decider.take(job))
            for artifact_id, data in executor.predict(request).items():
                if artifact_id not in known:
                    known[artifact_id] = content_digest(data)
                    decider.predicted[known[artifact_id]] = data
                    contents[artifact_id] = data
        planned.append(PlannedJob(job, decision, executor.identity(job), graph.layer_of(job.id)))
    return Plan(graph, tuple(planned))


def _artifact(job: Job, name: str) -> NodeId:
    for artifact_id in job.produces:
        if str(artifact_id) == name:
            return artifact_id
    raise KeyError(name)


def _content(
    artifact_id: NodeId,
    known: Mapping[NodeId, str],
    contents: dict[NodeId, bytes],
    lookup: ResultLookup,
) -> bytes:
    if artifact_id not in contents:
        contents[artifact_id] = lookup.read_blob(known[artifact_id])
    return contents[artifact_id]
