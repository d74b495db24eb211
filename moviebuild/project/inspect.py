"""Questions about a movie that call nothing: its status (current, stale, failed, pinned) and why
one job would run (``explain``), both from the plan and the current revision's records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus
from moviebuild.engine.plan import Plan
from moviebuild.graph import parse_node_id
from moviebuild.project.movie import Movie


@dataclass(frozen=True)
class StatusReport:
    revision: int | None
    current: list[str]
    stale: list[dict[str, Any]]
    failed: list[dict[str, Any]]
    blocked: list[str]
    pinned: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "current": self.current,
            "stale": self.stale,
            "failed": self.failed,
            "blocked": self.blocked,
            "pinned": self.pinned,
        }


def movie_status(movie: Movie) -> StatusReport:
    lookup = movie.results()
    plan = movie.plan(lookup=lookup)
    current, stale, failed, blocked = [], [], [], []
    for planned in plan.jobs:
        job_id = str(planned.job.id)
        previous = lookup.previous_record(planned.job.id)
        if previous is not None and previous.status is JobStatus.NEEDS_ATTENTION:
            failed.append({"id": job_id, "error": previous.error})
        elif previous is not None and previous.status is JobStatus.BLOCKED:
            blocked.append(job_id)
        if planned.action is Action.RUN:
            stale.append({"id": job_id, "reason": str(planned.reason)})
        else:
            current.append(job_id)
    return StatusReport(
        revision=getattr(lookup, "revision", None),
        current=current,
        stale=stale,
        failed=failed,
        blocked=blocked,
        pinned=pinned_slots(movie),
    )


def pinned_slots(movie: Movie) -> list[dict[str, Any]]:
    """Slots pinned by an edit, and whether the generator now proposes something else."""
    from moviebuild.project.prompts import PromptState, read_edits, slot_file

    state = PromptState.load(movie.folder)
    pinned = []
    for artifact_id in sorted(read_edits(movie.folder)):
        key = str(artifact_id)
        base = state.pinned_from.get(key, state.generated.get(key))
        pinned.append(
            {
                "id": key,
                "file": f"prompts/{slot_file(artifact_id)}",
                "generator_changed": base is not None and base != state.generated.get(key),
            }
        )
    return pinned


def explain_job(movie: Movie, text_id: str, plan: Plan | None = None) -> dict[str, Any]:
    """Why the job named by ``text_id`` (a job or artifact id) would run, or that it would not."""
    job = movie.graph.resolve(parse_node_id(text_id))
    plan = plan or movie.plan()
    planned = next(p for p in plan.jobs if p.job.id == job.id)
    lookup = movie.results()
    previous = lookup.previous_record(job.id)
    answer: dict[str, Any] = {
        "id": str(job.id),
        "producer": job.producer,
        "action": planned.action.value,
        "key": planned.decision.key,
        "previous_key": previous.key if previous else None,
        "reads": list(job.reads),
        "consumes": [str(a) for a in job.consumes],
        "provider": planned.adapter,
    }
    if planned.reason is not None:
        answer["reason"] = planned.reason.to_json()
    return answer
