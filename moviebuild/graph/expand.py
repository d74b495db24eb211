"""Expansion: the only place that turns blueprint cardinality and conditions into jobs.

Each segment takes the branch its Moviefile settings choose, so one movie may mix image, video
by text and video by image segments. Produced ``[*]`` means every index (1..n, 1..m); consumed
``[*]`` means every instance that exists after expansion (the assembler's fan-in).
"""

from __future__ import annotations

from collections import defaultdict

from moviebuild.config.blueprint import ArtifactRef, BlueprintSet, ProducerDecl
from moviebuild.config.moviefile import Moviefile
from moviebuild.errors import ConfigError
from moviebuild.graph.graph import Artifact, Graph, Job
from moviebuild.graph.ids import NodeId


def expand_graph(moviefile: Moviefile, blueprints: BlueprintSet) -> Graph:
    """The full job graph for ``moviefile``."""
    n = moviefile.segment_count
    m = moviefile.images_per_segment
    branches = {segment: moviefile.branch(segment) for segment in range(1, n + 1)}
    instances: list[tuple[ProducerDecl, NodeId, dict[str, int]]] = []
    artifacts: dict[NodeId, Artifact] = {}
    for decl in blueprints.producers:
        if any(not getattr(moviefile, field) for field in decl.requires):
            continue
        segments = [
            s for s in range(1, n + 1) if decl.branches is None or branches[s] in decl.branches
        ]
        if decl.cardinality == "1":
            if decl.branches is not None and not segments:
                continue
            bindings: list[dict[str, int]] = [{}]
        elif decl.cardinality == "n":
            bindings = [{"i": s} for s in segments]
        else:
            bindings = [{"i": s, "j": j} for s in segments for j in range(1, m + 1)]
        for binding in bindings:
            job_id = NodeId(decl.name, tuple(binding[v] for v in ("i", "j") if v in binding))
            instances.append((decl, job_id, binding))
            for ref in decl.produces:
                for artifact_id in _bind(ref, binding, n, m):
                    kind = blueprints.artifacts[ref.name].kind
                    artifacts[artifact_id] = Artifact(artifact_id, kind, job_id)
    by_name: dict[str, list[NodeId]] = defaultdict(list)
    for artifact_id in sorted(artifacts):
        by_name[artifact_id.name].append(artifact_id)
    jobs = []
    for decl, job_id, binding in instances:
        consumes: list[NodeId] = []
        for ref in decl.consumes:
            if "*" in ref.index:
                consumes.extend(_matching(by_name[ref.name], ref, binding))
                continue
            (artifact_id,) = _bind(ref, binding, n, m)
            if ref.optional and artifact_id not in artifacts:
                continue
            if artifact_id not in artifacts:
                raise ConfigError(
                    f"{job_id} consumes {artifact_id}, which no producer makes for this movie",
                    location=decl.source,
                    hint="the blueprint's conditions leave this input without a producer",
                )
            consumes.append(artifact_id)
        produces = tuple(a for ref in decl.produces for a in _bind(ref, binding, n, m))
        jobs.append(
            Job(
                id=job_id,
                producer=decl.name,
                role=decl.role,
                version=decl.version,
                reads=decl.reads,
                consumes=tuple(consumes),
                produces=produces,
                latency_s=decl.latency_s,
                partial=decl.partial,
            )
        )
    graph = Graph(jobs, artifacts.values())
    if moviefile.translates:
        from moviebuild.graph.translation import add_translation

        graph = add_translation(graph)
    return graph


def _bind(ref: ArtifactRef, binding: dict[str, int], n: int, m: int) -> list[NodeId]:
    """The artifact ids a produced reference names under ``binding`` (``*`` spans 1..n / 1..m)."""
    if "*" not in ref.index:
        return [NodeId(ref.name, tuple(binding[part] for part in ref.index))]
    choices: list[list[int]] = []
    for depth, part in enumerate(ref.index):
        if part == "*":
            choices.append(list(range(1, (n if depth == 0 else m) + 1)))
        else:
            choices.append([binding[part]])
    ids = [NodeId(ref.name)]
    for options in choices:
        ids = [NodeId(base.name, (*base.index, value)) for base in ids for value in options]
    return ids


def _matching(candidates: list[NodeId], ref: ArtifactRef, binding: dict[str, int]) -> list[NodeId]:
    """Existing artifacts matching a consumed reference with ``*`` parts."""
    fixed = {depth: binding[part] for depth, part in enumerate(ref.index) if part != "*"}
    return [c for c in candidates if all(c.index[d] == v for d, v in fixed.items())]
