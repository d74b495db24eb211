"""What an artifact or a job is called and where its files live, read from the blueprints.

The blueprints declare, per artifact, a label (``Segment {i}, image {j}``) and its files under
``out/`` and ``prompts/`` as templates, and per producer a label; this module fills them in for
one node id, finds the artifact a file names (the reverse), and orders ids as a person reads a
movie. Every place that names a file or shows a label asks here; none spells a file name itself.
It does not read or write files (project/ does).
"""

from __future__ import annotations

import functools
import re
import string
from typing import Literal

from moviebuild.config.blueprint import ArtifactDecl, BlueprintSet, load_blueprints
from moviebuild.graph.graph import Job
from moviebuild.graph.ids import NodeId

Folder = Literal["out", "prompts"]
_DEPTH = {"1": 0, "n": 1, "n*m": 2}


def _fields(cardinality: str, index: tuple[int, ...]) -> dict[str, object] | None:
    """The template fields of an id, or None when its index does not fit the cardinality."""
    if len(index) != _DEPTH[cardinality]:
        return None
    fields: dict[str, object] = dict(zip(("i", "j"), index, strict=False))
    if index:
        fields["segment"] = f"segment-{index[0]:02d}"
    return fields


def _artifact(artifact_id: NodeId, blueprints: BlueprintSet | None) -> ArtifactDecl | None:
    return (blueprints or load_blueprints()).artifacts.get(artifact_id.name)


def file_of(
    artifact_id: NodeId, folder: Folder, blueprints: BlueprintSet | None = None
) -> str | None:
    """The artifact's file under ``folder`` (``segment-03/image-2.png``), relative to it; None
    when it has none there (text lives only in ``prompts/``, the timeline only in ``out/``)."""
    decl = _artifact(artifact_id, blueprints)
    template = None if decl is None else (decl.out if folder == "out" else decl.prompts)
    fields = None if decl is None else _fields(decl.cardinality, artifact_id.index)
    return None if template is None or fields is None else template.format(**fields)


def out_file(artifact_id: NodeId, blueprints: BlueprintSet | None = None) -> str | None:
    """Where an artifact appears under ``out/``; None for text (that lives in ``prompts/``)."""
    return file_of(artifact_id, "out", blueprints)


def prompts_file(artifact_id: NodeId, blueprints: BlueprintSet | None = None) -> str | None:
    """Where an artifact is edited under ``prompts/`` (a text, or your own media file)."""
    return file_of(artifact_id, "prompts", blueprints)


def kind_of(artifact_id: NodeId, blueprints: BlueprintSet | None = None) -> str | None:
    """The artifact's kind (text, image, audio, video, json); None for an unknown name."""
    decl = _artifact(artifact_id, blueprints)
    return None if decl is None else decl.kind


def artifacts_at(
    relative: str,
    folder: Folder,
    blueprints: BlueprintSet | None = None,
    *,
    any_extension: bool = False,
) -> list[NodeId]:
    """The artifacts whose file under ``folder`` is ``relative`` (several when branches share a
    file name, as both video prompts do); a caller with a graph keeps those of its movie.
    ``any_extension`` compares names without their extension (your own media's ``.jpg``)."""
    wanted = _stem(relative) if any_extension else relative
    found = []
    for decl in (blueprints or load_blueprints()).artifacts.values():
        template = decl.out if folder == "out" else decl.prompts
        if template is None:
            continue
        match = _pattern(_stem(template) if any_extension else template).fullmatch(wanted)
        if match is None:
            continue
        artifact_id = NodeId(
            decl.name, tuple(int(match[n]) for n in ("i", "j") if match.groupdict().get(n))
        )
        named = file_of(artifact_id, folder, blueprints)
        if named is not None and (_stem(named) if any_extension else named) == wanted:
            found.append(artifact_id)
    return found


def _stem(relative: str) -> str:
    folder, slash, name = relative.rpartition("/")
    return folder + slash + name.partition(".")[0] if "." in name else relative


@functools.cache
def _pattern(template: str) -> re.Pattern[str]:
    """A template as a regular expression: ``{segment}/image-{j}.png`` -> groups i and j."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field == "segment":
            parts.append(r"segment-(?P<i>[0-9]+)" if "{i}" not in template else r"segment-[0-9]+")
        elif field:
            parts.append(rf"(?P<{field}>[1-9][0-9]*)")
    return re.compile("".join(parts))


def label_of(node: NodeId, blueprints: BlueprintSet | None = None) -> str:
    """What a person calls an artifact or a job (``Segment 3, image 2``); the id itself when the
    blueprints do not name it."""
    chosen = blueprints or load_blueprints()
    decl = chosen.artifacts.get(node.name)
    template, cardinality = (decl.label, decl.cardinality) if decl else (None, None)
    if template is None:
        producer = next((p for p in chosen.producers if p.name == node.name), None)
        if producer is not None:
            template, cardinality = producer.label, producer.cardinality
    fields = _fields(cardinality, node.index) if cardinality else None
    return str(node) if template is None or fields is None else template.format(**fields)


def segment_of(node: NodeId) -> int | None:
    """The segment (1-based) an artifact or job belongs to; None for movie-wide ones."""
    return node.index[0] if node.index else None


def reading_order(nodes: list[NodeId], blueprints: BlueprintSet | None = None) -> list[NodeId]:
    """``nodes`` as a person reads a movie: movie-wide first, then segment by segment, each in
    the order the blueprints declare their artifacts and producers."""
    chosen = blueprints or load_blueprints()
    rank = {name: at for at, name in enumerate(chosen.artifacts)}
    rank.update({p.name: len(rank) + at for at, p in enumerate(chosen.producers)})

    def key(node: NodeId) -> tuple[int, int, tuple[int, ...]]:
        return (node.index[0] if node.index else 0, rank.get(node.name, len(rank)), node.index)

    return sorted(nodes, key=key)


def editable_inputs(job: Job, blueprints: BlueprintSet | None = None) -> list[NodeId]:
    """The texts under ``prompts/`` a job reads: what to edit when it fails."""
    chosen = blueprints or load_blueprints()
    return [
        artifact_id
        for artifact_id in job.consumes
        if (decl := chosen.artifacts.get(artifact_id.name)) is not None
        and decl.kind == "text"
        and prompts_file(artifact_id, chosen)
    ]
