"""Questions about a movie that call nothing: why one job would run (``explain``) and which slots
are pinned by edits."""

from __future__ import annotations

from typing import Any

from moviebuild.engine.plan import Plan
from moviebuild.errors import GraphError, MovieBuildError
from moviebuild.graph import Graph, NodeId, parse_node_id
from moviebuild.project.folder import MovieFolder


def pinned_slots(movie: MovieFolder) -> list[dict[str, Any]]:
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


def resolve_target(graph: Graph, target: str) -> NodeId:
    """A job id, an artifact id, a file under ``prompts/`` naming one text artifact, or a file
    under ``out/`` naming one media artifact."""
    from moviebuild.graph.naming import out_file
    from moviebuild.project.export import OUT_DIR
    from moviebuild.project.prompts import PROMPTS_DIR, SCRIPT_FILE, slot_file

    relative = target.removeprefix("./")
    if relative.startswith(f"{OUT_DIR}/"):
        inside = relative.removeprefix(f"{OUT_DIR}/")
        matches = [a for a in graph.artifacts if out_file(a) == inside]
        if len(matches) == 1:
            return matches[0]
        raise GraphError(
            f"{target} is not a file this movie writes under {OUT_DIR}/",
            hint=f"`ls {OUT_DIR}/` shows the files; ids work too, e.g. 'SegmentImage[3][2]'",
        )
    relative = relative.removeprefix(f"{PROMPTS_DIR}/")
    if relative.endswith((".md", ".txt")):
        matches = [a for a in graph.artifacts if slot_file(a) == relative]
        if len(matches) == 1:
            return matches[0]
        if relative == SCRIPT_FILE:
            raise GraphError(
                f"{target} holds several texts (title, summary, each segment's narration)",
                hint="name one by id, e.g. 'SegmentNarration[2]'",
            )
        raise GraphError(
            f"{target} is not a prompt file of this movie",
            hint="`ls prompts/` shows the files; ids work too, e.g. 'SegmentImagePrompt[3][2]'",
        )
    return parse_node_id(target)


def explain_job(movie: MovieFolder, target: str, plan: Plan | None = None) -> dict[str, Any]:
    """Why the job named by ``target`` (a job or artifact id, or a file under ``prompts/`` or
    ``out/``) would run, with old and new text when what changed is a text. An edited text
    (pinned by the user) is explained by the job that reads it, which is what reruns; its
    generator is named, and the other jobs reading it are listed. (A media file of the user's
    is explained by its generator, which it keeps from running.)"""
    snapshot = movie.read_snapshot()
    graph = snapshot.graph
    node_id = resolve_target(graph, target)
    edited: dict[str, Any] = {}
    readers = [j for j in graph.jobs.values() if node_id in j.consumes]
    artifact = graph.artifacts.get(node_id)
    is_edit = artifact is not None and artifact.kind == "text" and node_id in snapshot.overrides
    if is_edit and readers:
        job = readers[0]
        edited = {
            "edited": str(node_id),
            "generator": str(graph.producer_of(node_id).id),
            "also_read_by": [str(j.id) for j in readers[1:]],
        }
    else:
        job = graph.resolve(node_id)
    lookup = movie.results()
    plan = plan or movie.make_plan(snapshot=snapshot, lookup=lookup)
    planned = next(p for p in plan.jobs if p.job.id == job.id)
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
        **edited,
    }
    reason = planned.reason
    if reason is not None:
        answer["reason"] = reason.to_json()
        texts = _texts_of(movie, reason.subject, (reason.old, reason.new), lookup)
        if texts is not None:
            answer["reason"]["old_text"], answer["reason"]["new_text"] = texts
    return answer


def _texts_of(
    movie: MovieFolder, subject: str | None, digests: tuple[str | None, str | None], lookup: Any
) -> tuple[str | None, str | None] | None:
    """The texts behind two digests of a text artifact, where they can be found."""
    if not subject:
        return None
    try:
        artifact_id = parse_node_id(subject)
    except GraphError:
        return None
    artifact = movie.graph.artifacts.get(artifact_id)
    if artifact is None or artifact.kind != "text":
        return None
    from moviebuild.engine.keys import content_digest

    known = {content_digest(v): v for v in movie.snapshot.overrides.values()}

    def text(digest: str | None) -> str | None:
        if digest is None:
            return None
        data = known.get(digest)
        if data is None:
            try:
                data = lookup.read_blob(digest)
            except (KeyError, MovieBuildError):
                return None
        return data.decode("utf-8", errors="replace")

    return text(digests[0]), text(digests[1])
