"""Collecting a ``MovieState`` (the document of ``project/state.py``) from a movie: its current
revision's records, a fresh plan, the prompt slots and the timeline. Reads only; calls no provider
and writes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moviebuild.engine.decide import Action
from moviebuild.engine.interfaces import JobStatus
from moviebuild.engine.plan import Plan
from moviebuild.graph import Graph, NodeId
from moviebuild.graph.naming import editable_inputs, label_of, out_file, prompts_file, reading_order
from moviebuild.project.cost import plan_cost_usd
from moviebuild.project.export import OUT_DIR
from moviebuild.project.folder import MovieFolder
from moviebuild.project.prompts import PROMPTS_DIR, PromptState, slot_file
from moviebuild.project.records import JobRecord, RevisionRecord
from moviebuild.project.state import Linker, MovieState

if TYPE_CHECKING:
    from moviebuild.config.blueprint import BlueprintSet
    from moviebuild.store import Store


def movie_state(movie: MovieFolder, link: Linker | None = None) -> MovieState:
    """The state of ``movie`` from its current revision and a fresh plan; calls nothing."""
    return MovieState.model_validate(collect_state(movie, link))


def collect_state(movie: MovieFolder, link: Linker | None) -> dict[str, Any]:
    snapshot = movie.read_snapshot()
    if not movie.store_exists():
        plan = movie.make_plan(snapshot=snapshot)
        return _document(movie, plan, None, None, None, {}, [], link)
    from moviebuild.project.results import StoreResults

    with movie.open_store() as store:
        lookup = StoreResults(store)
        plan = movie.make_plan(snapshot=snapshot, lookup=lookup)
        texts = _generated_texts(store, snapshot.graph, lookup.current_outputs())
        timeline = None
        if lookup.manifest is not None and lookup.manifest.timeline:
            from moviebuild.timeline import load_timeline

            timeline = load_timeline(store.blobs.get_blob(lookup.manifest.timeline))
        from moviebuild.project.spent import spending_report

        spent = spending_report(store).total_usd if lookup.manifest is not None else 0.0
        return _document(
            movie, plan, lookup.revision, lookup.manifest, timeline, texts, lookup.notices, link,
            spent, store,
        )


def _generated_texts(
    store: Store, graph: Graph, outputs: dict[NodeId, str]
) -> dict[NodeId, str]:
    texts = {}
    for artifact_id, digest in outputs.items():
        artifact = graph.artifacts.get(artifact_id)
        if artifact is not None and artifact.kind == "text" and slot_file(artifact_id):
            texts[artifact_id] = store.blobs.get_blob(digest).decode("utf-8").strip()
    return texts


def _document(
    movie: MovieFolder,
    plan: Plan,
    revision: int | None,
    manifest: RevisionRecord | None,
    timeline: Any,
    generated: dict[NodeId, str],
    notices: list[str],
    link: Linker | None,
    total_spent_usd: float = 0.0,
    store: Store | None = None,
) -> dict[str, Any]:
    snapshot = movie.snapshot
    graph = snapshot.graph
    names = _Names(movie.blueprints, graph)
    records = dict(manifest.jobs) if manifest else {}
    jobs = []
    for planned in plan.jobs:
        record = records.get(planned.job.id)
        job = planned.job
        jobs.append(
            {
                "id": str(job.id),
                "producer": job.producer,
                **names.of(job.id),
                "kind": graph.artifacts[job.produces[0]].kind if job.produces else "json",
                "status": _job_status(planned.action, record),
                "reason": str(planned.reason) if planned.action is Action.RUN else None,
                "provider": planned.adapter,
                "files": list(dict.fromkeys(f for a in job.produces if (f := names.file(a)))),
                "prompts": names.prompts_read(job.id),
            }
        )
    costs = plan_cost_usd(plan, snapshot.moviefile, store=store)
    overrides = {
        a: v.decode("utf-8") for a, v in snapshot.overrides.items() if a not in snapshot.media
    }
    title = overrides.get(NodeId("MovieTitle"), generated.get(NodeId("MovieTitle")))
    return {
        "inquiry": snapshot.moviefile.inquiry,
        "title": title,
        "revision": revision,
        "status": _status(manifest),
        "up_to_date": not plan.to_run(),
        "timeline": timeline,
        "assets": _assets(manifest, link),
        "prompts": _prompts(movie, names, generated, overrides),
        "artifacts": {str(a): names.artifact(a) for a in names.reading},
        "own_media": [
            {"id": str(a), "label": names.label(a), "kind": graph.artifacts[a].kind, "file": file}
            for a, file in sorted(snapshot.media.items())
        ],
        "jobs": jobs,
        "errors": _errors(names, records),
        "cost": _cost(manifest, costs, total_spent_usd),
        "notices": [
            *(manifest.summary.notices if manifest else ()),
            *notices,
            *_pin_notices(movie, generated),
        ],
    }


def _cost(manifest: RevisionRecord | None, estimate: dict[str, float],
          total_spent_usd: float) -> dict[str, Any]:
    from moviebuild.providers.prices import PRICE_TABLE_VERSION

    summary = manifest.summary if manifest else None
    costs = dict(summary.costs) if summary else {}
    spent = summary.cost_usd if summary else 0.0
    ran_estimate = sum(c.estimated_usd for c in costs.values())
    return {
        "estimated_usd": round(sum(estimate.values()), 4),
        "estimated_per_provider_usd": {k: round(v, 4) for k, v in sorted(estimate.items())},
        "spent_usd": spent,
        "ran_estimate_usd": round(ran_estimate, 6),
        "difference_usd": round(spent - ran_estimate, 6),
        "saved_usd": round(sum(c.saved_usd for c in costs.values()), 6),
        "total_spent_usd": round(total_spent_usd, 6),
        "per_provider": {
            name: {**cost.to_json(),
                   "difference_usd": round(cost.billed_usd - cost.estimated_usd, 6)}
            for name, cost in costs.items()
        },
        "price_table": (summary.price_table if summary else None) or PRICE_TABLE_VERSION,
        "budget": str(summary.budget) if summary and summary.budget else None,
    }


def _status(manifest: RevisionRecord | None) -> str:
    if manifest is None:
        return "unbuilt"
    if manifest.interrupted:
        return "interrupted"
    unfinished = manifest.summary.budget is not None or any(
        r.status in _UNFINISHED for r in manifest.jobs.values())
    return "incomplete" if unfinished else "complete"


_UNFINISHED = (JobStatus.NEEDS_ATTENTION, JobStatus.BLOCKED)


def _job_status(action: Action, record: JobRecord | None) -> str:
    if record is not None and record.status is JobStatus.NEEDS_ATTENTION:
        return "failed"
    if record is not None and record.status is JobStatus.BLOCKED:
        return "blocked"
    if action is Action.RUN:
        return "stale"
    return "skipped" if action is Action.SKIP else "current"


def _assets(manifest: RevisionRecord | None, link: Linker | None) -> dict[str, str]:
    if manifest is None:
        return {}
    assets = {}
    for artifact_id, digest in manifest.outputs().items():
        path = out_file(artifact_id)
        if path is None or artifact_id.name == "Timeline":
            continue
        assets[str(artifact_id)] = link(artifact_id, digest) if link else f"out/{path}"
    return assets


class _Names:
    """Labels, segments, reading order and files of one movie's artifacts and jobs, from its
    blueprints (graph/naming.py), computed once per state."""

    def __init__(self, blueprints: BlueprintSet, graph: Graph) -> None:
        self.blueprints, self.graph = blueprints, graph
        self.reading = reading_order([*graph.artifacts, *graph.jobs], blueprints)
        self.order = {node: at for at, node in enumerate(self.reading)}
        self.reading = [a for a in self.reading if a in graph.artifacts]

    def label(self, node: NodeId) -> str:
        return label_of(node, self.blueprints)

    def of(self, node: NodeId) -> dict[str, Any]:
        """The label, segment and reading order of an artifact or job."""
        return {
            "label": self.label(node),
            "segment": node.index[0] if node.index else None,
            "order": self.order.get(node, len(self.order)),
        }

    def file(self, artifact_id: NodeId) -> str | None:
        """Where a person finds the artifact: its file under out/, else under prompts/."""
        out = out_file(artifact_id, self.blueprints)
        if out is not None:
            return f"{OUT_DIR}/{out}"
        edit = prompts_file(artifact_id, self.blueprints)
        return None if edit is None else f"{PROMPTS_DIR}/{edit}"

    def artifact(self, artifact_id: NodeId) -> dict[str, Any]:
        out = out_file(artifact_id, self.blueprints)
        edit = prompts_file(artifact_id, self.blueprints)
        return {
            **self.of(artifact_id),
            "kind": self.graph.artifacts[artifact_id].kind,
            "out": None if out is None else f"{OUT_DIR}/{out}",
            "prompts": None if edit is None else f"{PROMPTS_DIR}/{edit}",
        }

    def prompts_read(self, job_id: NodeId) -> list[dict[str, Any]]:
        """The editable texts a job reads (none for a job this graph no longer has)."""
        job = self.graph.jobs.get(job_id)
        if job is None:
            return []
        return [
            {"id": str(a), "label": self.label(a), "file": f"{PROMPTS_DIR}/{slot_file(a)}"}
            for a in editable_inputs(job, self.blueprints)
        ]


def _prompts(
    movie: MovieFolder, names: _Names, generated: dict[NodeId, str], overrides: dict[NodeId, str]
) -> list[dict[str, Any]]:
    state = PromptState.load(movie.folder)
    entries = []
    for artifact_id in sorted(set(generated) | set(overrides)):
        if artifact_id not in names.graph.artifacts or not slot_file(artifact_id):
            continue
        edited = artifact_id in overrides
        entries.append(
            {
                "id": str(artifact_id),
                **names.of(artifact_id),
                "text": overrides[artifact_id] if edited else generated[artifact_id],
                "source": "edited" if edited else "generated",
                "file": f"{PROMPTS_DIR}/{slot_file(artifact_id)}",
                # The producer's text under the edit: from the revision, else what the last
                # build wrote into prompts/ (a job whose every output is edited is skipped).
                "generated": (
                    generated.get(artifact_id) or state.generated.get(str(artifact_id))
                    if edited
                    else None
                ),
                "generator_changed": edited and _generator_changed(state, str(artifact_id)),
            }
        )
    return entries


def _generator_changed(state: PromptState, key: str) -> bool:
    base, now = state.pinned_from.get(key), state.generated.get(key)
    return base is not None and now is not None and base.strip() != now.strip()


def _errors(names: _Names, records: dict[NodeId, JobRecord]) -> list[dict[str, Any]]:
    graph = names.graph
    failed = {j for j, r in records.items() if r.status is JobStatus.NEEDS_ATTENTION}
    errors = []
    for job_id, record in records.items():
        if record.status is JobStatus.NEEDS_ATTENTION:
            errors.append(
                {
                    "job": str(job_id),
                    "label": names.label(job_id),
                    "segment": job_id.index[0] if job_id.index else None,
                    "prompts": names.prompts_read(job_id),
                    "kind": "retryable-exhausted" if record.retryable else "needs-attention",
                    "message": record.error,
                    "hint": record.hint,
                    "attempts": record.attempts,
                    "blocks": sorted(
                        str(d)
                        for d in _descendants(graph, job_id)
                        if records.get(d) and records[d].status is JobStatus.BLOCKED
                    ),
                }
            )
        elif record.status is JobStatus.BLOCKED:
            errors.append(
                {
                    "job": str(job_id),
                    "label": names.label(job_id),
                    "segment": job_id.index[0] if job_id.index else None,
                    "prompts": names.prompts_read(job_id),
                    "kind": "blocked-by",
                    "message": record.error,
                    "attempts": record.attempts,
                    "blocked_by": sorted(str(a) for a in _ancestors(graph, job_id) & failed),
                }
            )
    return errors


def _descendants(graph: Graph, job_id: NodeId) -> set[NodeId]:
    found: set[NodeId] = set()
    todo = [job_id]
    while todo:
        for child in graph.dependents(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _ancestors(graph: Graph, job_id: NodeId) -> set[NodeId]:
    found: set[NodeId] = set()
    todo = [job_id]
    while todo:
        for parent in graph.dependencies(todo.pop()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def _pin_notices(movie: MovieFolder, generated: dict[NodeId, str]) -> list[str]:
    state = PromptState.load(movie.folder)
    notices = []
    for key in sorted(state.pinned_from):
        if _generator_changed(state, key):
            notices.append(
                f"{key} is pinned by your edit; the generator now proposes something else "
                "(`moviebuild reset` takes the new text)"
            )
    return notices
