"""Blueprints: the generation graph as data, loaded from the YAML files shipped in the wheel.

The language is as small as the movie graph needs: artifacts and producers with a cardinality
(``1``, ``n``, ``n*m``), artifact references with index variables (``SegmentImagePrompt[i][j]``,
``SegmentNarration[*]``), per-segment ``when`` conditions on included files, and fan-in by ``[*]``.
Turning cardinality into jobs is expansion's work (moviebuild.graph), not this module's.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import READABLE_FIELDS, Branch
from moviebuild.config.yamlpos import PositionedDocument, load_positioned_yaml, mapping_or_error
from moviebuild.errors import ConfigError, SourceLocation, did_you_mean

ROOT_BLUEPRINT = "movie.yaml"
CARDINALITIES = ("1", "n", "n*m")
_INDEX_DEPTH = {"1": 0, "n": 1, "n*m": 2}
_INDEX_VARIABLES = {"1": set(), "n": {"i"}, "n*m": {"i", "j"}}
KINDS = ("text", "audio", "image", "video", "json")
#: The fields a label or file template may name, by cardinality: the indices, and ``segment``
#: (the segment's folder, ``segment-03``).
_TEMPLATE_FIELDS = {"1": set(), "n": {"i", "segment"}, "n*m": {"i", "j", "segment"}}


def split_indexed_name(text: str) -> tuple[str, tuple[str, ...]] | None:
    """``'Name[a][b]'`` -> ``('Name', ('a', 'b'))``; None when the text is not of that shape.

    The one tokenizer for bracketed names; node ids and blueprint references both use it.
    """
    text = text.strip()
    head, bracket, rest = text.partition("[")
    if not head.isidentifier():
        return None
    parts: list[str] = []
    while bracket:
        inner, closing, rest = rest.partition("]")
        if not closing or not inner.strip() or "[" in inner:
            return None
        parts.append(inner.strip())
        if not rest:
            break
        if not rest.startswith("["):
            return None
        rest = rest[1:]
    return head, tuple(parts)


@dataclass(frozen=True)
class ArtifactRef:
    """A reference in a blueprint: an artifact name and index variables (``i``, ``j``, ``*``)."""

    name: str
    index: tuple[str, ...]

    def __str__(self) -> str:
        return self.name + "".join(f"[{part}]" for part in self.index)


@dataclass(frozen=True)
class ArtifactDecl:
    """An artifact: ``label`` is what a person calls it (``Segment {i}, image {j}``), ``out`` its
    file under ``out/`` and ``prompts`` its file under ``prompts/`` (the text to edit, or your
    own media), as templates; None when it has no such file."""

    name: str
    cardinality: str
    kind: str
    label: str = ""
    out: str | None = None
    prompts: str | None = None


@dataclass(frozen=True)
class ProducerDecl:
    """One producer of a blueprint; ``branches`` is None when it runs for every segment."""

    name: str
    role: Role
    version: int
    cardinality: str
    label: str
    reads: tuple[str, ...]
    consumes: tuple[ArtifactRef, ...]
    produces: tuple[ArtifactRef, ...]
    latency_s: float
    partial: bool
    branches: frozenset[Branch] | None
    source: SourceLocation


@dataclass(frozen=True)
class BlueprintSet:
    """Every producer and artifact reachable from the root blueprint, validated together."""

    producers: tuple[ProducerDecl, ...]
    artifacts: dict[str, ArtifactDecl]


def default_blueprint_dir() -> Path:
    """The blueprints shipped in the wheel, or the source tree's when running from a checkout."""
    packaged = resources.files("moviebuild") / "blueprints"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "blueprints"


@functools.cache
def load_blueprints(directory: Path | None = None) -> BlueprintSet:
    """Load ``movie.yaml`` and everything it includes from ``directory``."""
    folder = directory or default_blueprint_dir()
    producers: list[ProducerDecl] = []
    artifacts: dict[str, tuple[ArtifactDecl, SourceLocation]] = {}
    pending_refs: list[tuple[ProducerDecl, ArtifactRef, SourceLocation]] = []
    _load_file(folder, ROOT_BLUEPRINT, None, producers, artifacts, pending_refs, seen=set())
    for producer, ref, where in pending_refs:
        _check_ref(producer, ref, where, {name: decl for name, (decl, _) in artifacts.items()})
    _check_single_producer(producers)
    return BlueprintSet(tuple(producers), {name: decl for name, (decl, _) in artifacts.items()})


def _load_file(
    folder: Path,
    name: str,
    branches: frozenset[Branch] | None,
    producers: list[ProducerDecl],
    artifacts: dict[str, tuple[ArtifactDecl, SourceLocation]],
    pending: list[tuple[ProducerDecl, ArtifactRef, SourceLocation]],
    seen: set[str],
) -> None:
    path = folder / name
    if name in seen:
        raise ConfigError(f"{name} is included twice", location=SourceLocation(path))
    seen.add(name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read blueprint {path}: {exc}") from exc
    doc = load_positioned_yaml(text, path)
    data = mapping_or_error(doc, "a blueprint")
    _only_keys(doc, (), data, ("blueprint", "include", "artifacts", "producers"))
    for position, entry in enumerate(_list(doc, ("include",), data.get("include", []))):
        where = ("include", position)
        if not isinstance(entry, dict) or "file" not in entry:
            raise ConfigError("an include needs `file:`", location=doc.locate(where))
        _only_keys(doc, where, entry, ("file", "when"))
        condition = _branches(doc, (*where, "when"), entry.get("when"))
        if branches is not None and condition is not None:
            condition = condition & branches
        _load_file(
            folder, str(entry["file"]), condition or branches, producers, artifacts, pending, seen
        )
    for art_name, spec in _mapping(doc, ("artifacts",), data.get("artifacts", {})).items():
        decl = _artifact(doc, art_name, spec)
        known = artifacts.get(art_name)
        if known and known[0] != decl:
            raise ConfigError(
                f"artifact {art_name} is declared differently in {known[1]}",
                location=doc.locate(("artifacts", art_name)),
            )
        artifacts.setdefault(art_name, (decl, doc.locate(("artifacts", art_name))))
    for prod_name, spec in _mapping(doc, ("producers",), data.get("producers", {})).items():
        producer = _producer(doc, prod_name, spec, branches)
        producers.append(producer)
        for field in ("consumes", "produces"):
            refs = producer.consumes if field == "consumes" else producer.produces
            for position, ref in enumerate(refs):
                ref_at = doc.locate(("producers", prod_name, field, position))
                pending.append((producer, ref, ref_at))


def _producer(
    doc: PositionedDocument, name: str, spec: Any, branches: frozenset[Branch] | None
) -> ProducerDecl:
    where = ("producers", name)
    spec = _mapping(doc, where, spec)
    _only_keys(
        doc,
        where,
        spec,
        (
            "role", "label", "version", "cardinality", "reads", "consumes", "produces",
            "latency_s", "partial",
        ),
    )
    roles = [role.value for role in Role]
    role = spec.get("role")
    if role not in roles:
        raise ConfigError(
            f"producer {name}: unknown role {role!r}",
            location=doc.locate(where),
            hint=did_you_mean(str(role), roles) or "roles: " + ", ".join(roles),
        )
    cardinality = _cardinality(doc, (*where, "cardinality"), spec.get("cardinality"))
    if branches is not None and cardinality == "1":
        raise ConfigError(
            f"producer {name} runs once per movie but sits in a per-segment blueprint",
            location=doc.locate(where),
        )
    reads = tuple(str(item) for item in _list(doc, (*where, "reads"), spec.get("reads", [])))
    for position, field in enumerate(reads):
        if field not in READABLE_FIELDS:
            raise ConfigError(
                f"producer {name} reads unknown field '{field}'",
                location=doc.locate((*where, "reads", position)),
                hint=did_you_mean(field, READABLE_FIELDS),
            )
    version = spec.get("version", 1)
    latency = spec.get("latency_s", 1)
    if not isinstance(version, int) or not isinstance(latency, int | float):
        raise ConfigError(
            f"producer {name}: version and latency_s must be numbers", location=doc.locate(where)
        )
    return ProducerDecl(
        name=name,
        role=Role(role),
        version=version,
        cardinality=cardinality,
        label=_template(doc, (*where, "label"), spec.get("label", name), cardinality),
        reads=reads,
        consumes=_refs(doc, (*where, "consumes"), spec.get("consumes", [])),
        produces=_refs(doc, (*where, "produces"), spec.get("produces", [])),
        latency_s=float(latency),
        partial=spec.get("partial") is True,
        branches=branches,
        source=doc.locate(where),
    )


def _refs(doc: PositionedDocument, where: tuple[Any, ...], value: Any) -> tuple[ArtifactRef, ...]:
    refs = []
    for position, item in enumerate(_list(doc, where, value)):
        split = split_indexed_name(str(item))
        if split is None:
            raise ConfigError(
                f"malformed artifact reference {item!r}",
                location=doc.locate((*where, position)),
                hint="write Name, Name[i], Name[i][j] or Name[*]",
            )
        refs.append(ArtifactRef(*split))
    return tuple(refs)


def _check_ref(
    producer: ProducerDecl,
    ref: ArtifactRef,
    where: SourceLocation,
    artifacts: dict[str, ArtifactDecl],
) -> None:
    decl = artifacts.get(ref.name)
    if decl is None:
        raise ConfigError(
            f"producer {producer.name} names unknown artifact {ref.name}",
            location=where,
            hint=did_you_mean(ref.name, artifacts),
        )
    if len(ref.index) != _INDEX_DEPTH[decl.cardinality]:
        raise ConfigError(
            f"{ref} has {len(ref.index)} index(es) but {ref.name} has cardinality "
            f"{decl.cardinality}",
            location=where,
        )
    allowed = _INDEX_VARIABLES[producer.cardinality] | {"*"}
    for part in ref.index:
        if part not in allowed:
            raise ConfigError(
                f"{ref}: index '{part}' is not one of {sorted(allowed)} for a "
                f"producer of cardinality {producer.cardinality}",
                location=where,
            )


def _check_single_producer(producers: list[ProducerDecl]) -> None:
    """Within one branch, each artifact has exactly one producer."""
    owners: dict[tuple[str, Branch], str] = {}
    for decl in producers:
        for ref in decl.produces:
            for branch in decl.branches or frozenset(Branch):
                other = owners.setdefault((ref.name, branch), decl.name)
                if other != decl.name:
                    raise ConfigError(
                        f"{ref.name} is produced by both {other} and {decl.name}",
                        location=decl.source,
                    )


def _artifact(doc: PositionedDocument, name: str, spec: Any) -> ArtifactDecl:
    where = ("artifacts", name)
    spec = _mapping(doc, where, spec)
    _only_keys(doc, where, spec, ("cardinality", "kind", "label", "out", "prompts"))
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ConfigError(
            f"artifact {name}: unknown kind {kind!r}",
            location=doc.locate(where),
            hint="kinds: " + ", ".join(KINDS),
        )
    cardinality = _cardinality(doc, (*where, "cardinality"), spec.get("cardinality"))
    files = {
        field: _template(doc, (*where, field), spec[field], cardinality, file=True)
        if spec.get(field) is not None
        else None
        for field in ("out", "prompts")
    }
    return ArtifactDecl(
        name,
        cardinality,
        kind,
        label=_template(doc, (*where, "label"), spec.get("label", name), cardinality),
        out=files["out"],
        prompts=files["prompts"],
    )


def _template(
    doc: PositionedDocument, where: tuple[Any, ...], value: Any, cardinality: str,
    *, file: bool = False,
) -> str:
    """A label or file template, checked: it names only the fields its cardinality has, and a
    file stays inside its folder."""
    text = str(value)
    allowed = _TEMPLATE_FIELDS[cardinality]
    try:
        names = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as exc:
        raise ConfigError(
            f"malformed template {text!r} ({exc})", location=doc.locate(where)
        ) from exc
    unknown = sorted(names - allowed)
    if unknown:
        raise ConfigError(
            f"template {text!r} names {', '.join(unknown)}, which cardinality {cardinality} "
            "does not have",
            location=doc.locate(where),
            hint="fields: " + (", ".join(sorted(allowed)) or "none"),
        )
    if file and (text.startswith("/") or ".." in text.split("/") or not text.strip()):
        raise ConfigError(
            f"file {text!r} must be a relative path inside its folder", location=doc.locate(where)
        )
    return text


def _cardinality(doc: PositionedDocument, where: tuple[Any, ...], value: Any) -> str:
    text = str(value).replace(" ", "")
    if text not in CARDINALITIES:
        raise ConfigError(
            f"cardinality must be one of 1, n, n*m (got {value!r})", location=doc.locate(where)
        )
    return text


def _branches(
    doc: PositionedDocument, where: tuple[Any, ...], value: Any
) -> frozenset[Branch] | None:
    if value is None:
        return None
    when = _mapping(doc, where, value)
    _only_keys(doc, where, when, ("use_video", "image_to_video"))
    chosen = set(Branch)
    if when.get("use_video") is False:
        chosen = {Branch.IMAGES}
    elif when.get("use_video") is True:
        chosen.discard(Branch.IMAGES)
    if "image_to_video" in when:
        keep = Branch.VIDEO_BY_IMAGE if when["image_to_video"] else Branch.VIDEO_BY_TEXT
        chosen &= {keep, Branch.IMAGES} if "use_video" not in when else {keep}
    return frozenset(chosen)


def _only_keys(
    doc: PositionedDocument,
    where: tuple[Any, ...],
    data: Mapping[str, Any],
    allowed: tuple[str, ...],
) -> None:
    for key in data:
        if key not in allowed:
            raise ConfigError(
                f"unknown key '{key}'",
                location=doc.locate((*where, key)),
                hint=did_you_mean(str(key), allowed) or "allowed: " + ", ".join(allowed),
            )


def _mapping(doc: PositionedDocument, where: tuple[Any, ...], value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError("expected a mapping", location=doc.locate(where))
    return value


def _list(doc: PositionedDocument, where: tuple[Any, ...], value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError("expected a list", location=doc.locate(where))
    return value
