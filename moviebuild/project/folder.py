"""A movie folder and the snapshot of its inputs that one plan or build uses.

``MovieFolder`` owns what every operation reads: the folder, its Moviefile and the edits under
``prompts/`` (read once into a ``Snapshot``), the store and the results in it, and the engine's
plan. Every operation reads the movie's inputs once into a ``Snapshot`` (the Moviefile text, the
edits under ``prompts/``, the caller's ``Changes``): what is planned is what is built and
recorded, and an edit made meanwhile is picked up by the next operation, never half-used.

Operations (build, state, history, export) take a ``MovieFolder``; the ``Movie`` facade in
``project/movie.py`` sits above them and is what the doors hold. This module imports no
operation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self

from moviebuild.config.blueprint import BlueprintSet, load_blueprints
from moviebuild.config.enums import Role
from moviebuild.config.load import MOVIEFILE_NAME, find_moviefile, parse_moviefile
from moviebuild.config.moviefile import Moviefile
from moviebuild.config.texts import check_text
from moviebuild.engine.interfaces import PriorRecord, ResultLookup
from moviebuild.engine.plan import Plan, make_plan
from moviebuild.errors import ConfigError, GraphError, MoviefileNotFound, did_you_mean
from moviebuild.graph import Graph, NodeId, expand_graph, parse_node_id
from moviebuild.project.changes import Changes, patch_moviefile_text
from moviebuild.project.executor import ProviderExecutor
from moviebuild.project.materials import Materials, read_materials
from moviebuild.project.own_media import (
    OwnMedia,
    media_artifact,
    read_given_file,
    read_own_media,
    slot_path,
)

if TYPE_CHECKING:
    from moviebuild.store import Store

DEFAULT_STORE = ".moviebuild"
BLOB_CACHE = Path(".moviebuild") / "cache" / "objects"


class EmptyResults:
    """The lookup of a movie never built: nothing stored, no previous records."""

    def find_result(self, key: str) -> Mapping[str, str] | None:
        return None

    def previous_record(self, job_id: NodeId) -> PriorRecord | None:
        return None

    def read_blob(self, digest: str) -> bytes:
        raise KeyError(digest)

    def has_results(self) -> bool:
        return False


@dataclass(frozen=True)
class Snapshot:
    """The inputs of one plan or build, read once.

    ``overrides`` is every override in force (Moviefile ``music_prompt``, edits under
    ``prompts/``, then the caller's); ``new_overrides``, ``reset`` (slots handed back to their
    generator) and ``patched_text`` are what the caller's ``Changes`` add, which a build keeps as
    part of the movie's configuration. ``media`` says which overrides are your own media files
    (artifact id -> the file), ``new_files`` are the files the caller's ``Changes`` put in slots.
    """

    moviefile_text: str
    moviefile: Moviefile
    graph: Graph
    overrides: Mapping[NodeId, bytes]
    redo: tuple[NodeId, ...] = ()
    new_overrides: Mapping[NodeId, str] | None = None
    patched_text: str | None = None
    reset: tuple[NodeId, ...] = ()
    media: Mapping[NodeId, str] = field(default_factory=dict)
    new_files: tuple[OwnMedia, ...] = ()
    materials: Materials = field(default_factory=Materials)
    """The sources and reference sheets the Moviefile names, read and checked."""


class MovieFolder:
    """One movie folder. ``defaults`` are changes applied to every plan and build of this object
    (``Movie.open(folder, overrides=...)``).

    ``folder`` is where ``out/`` and ``prompts/`` are; ``home`` where the Moviefile and the store
    are. They are the same folder except for a variant (project/variant.py)."""

    #: The variant this object builds; None for the base movie.
    variant: str | None = None
    #: Texts pinned by the edits of the folders a variant starts from (the base movie's, the
    #: variants it extends); its ``prompts/`` shows them as it shows generated text.
    inherited_texts: Mapping[NodeId, str] = MappingProxyType({})

    def __init__(
        self,
        folder: Path,
        blueprints: BlueprintSet,
        defaults: Changes,
        *,
        home: Path | None = None,
    ) -> None:
        self.folder = folder
        self.home = folder if home is None else home
        self.blueprints = blueprints
        self.defaults = defaults
        self._remote_store: Store | None = None
        self._parsed: tuple[str, str, Moviefile, Graph] | None = None
        self._snapshot = self.read_snapshot()

    @classmethod
    def open(cls, location: Path | str, *, overrides: Mapping[str, str] | None = None) -> Self:
        """Open the movie folder at ``location`` and check its Moviefile and ``overrides``."""
        text = str(location)
        if "://" in text and not text.startswith("file://"):
            raise ConfigError(
                f"{text}: a movie is opened from its folder (the folder holding "
                f"{MOVIEFILE_NAME})",
                hint="keep the store remote with `store: s3://...` in the Moviefile",
            )
        return cls(Path(text.removeprefix("file://")), load_blueprints(), Changes(
            overrides=dict(overrides or {})
        ))

    # The current snapshot: what the last operation read.

    @property
    def moviefile(self) -> Moviefile:
        return self._snapshot.moviefile

    @property
    def graph(self) -> Graph:
        return self._snapshot.graph

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def moviefile_text(self) -> str:
        return self._snapshot.moviefile_text

    def overrides(self) -> dict[NodeId, bytes]:
        return dict(self._snapshot.overrides)

    @cached_property
    def _producer_names(self) -> dict[str, Role]:
        return {p.name: p.role for p in self.blueprints.producers}

    def read_snapshot(self, changes: Changes | None = None) -> Snapshot:
        """Read the Moviefile and ``prompts/`` once, apply ``changes``; this becomes current."""
        changes = self.defaults.merged(changes)
        path = find_moviefile(self.home)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise MoviefileNotFound(f"no {MOVIEFILE_NAME} in {self.folder}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        patched_text = None
        if changes.config:
            patched_text = patch_moviefile_text(text, changes.config)
            try:
                _, moviefile, graph = self._parse(patched_text, "Moviefile patch")
            except ConfigError as exc:
                raise ConfigError(
                    f"the patch makes the Moviefile invalid: {exc.detail}",
                    hint=exc.hint or "change or drop that part of the patch",
                ) from None
            text = patched_text
        else:
            text, moviefile, graph = self._parse(text, path)
        materials = read_materials(
            self.folder, moviefile, text, "Moviefile patch" if patched_text else path
        )
        overrides = self._read_overrides(moviefile, graph)
        new_overrides = {
            _text_artifact(graph, text_id): check_text(value, text_id)
            for text_id, value in changes.overrides.items()
            if value is not None
        }
        reset = tuple(
            _text_artifact(graph, text_id)
            for text_id, value in changes.overrides.items()
            if value is None
        )
        for artifact_id in reset:
            overrides.pop(artifact_id, None)
        overrides.update({a: v.encode("utf-8") for a, v in new_overrides.items()})
        own = self._read_own_media(graph)
        new_files = []
        for text_id, value in changes.files.items():
            artifact_id = media_artifact(graph, text_id)
            if value is None:
                own.pop(artifact_id, None)
                reset = (*reset, artifact_id)
            else:
                own[artifact_id] = read_given_file(artifact_id, value)
                new_files.append(own[artifact_id])
        for artifact_id, media in own.items():
            overrides[artifact_id] = media.data
        redo = tuple(graph.resolve(parse_node_id(t)).id for t in changes.redo)
        given = {id(m) for m in new_files}
        snapshot = Snapshot(
            text, moviefile, graph, overrides, redo, new_overrides or None, patched_text, reset,
            # A given file is recorded where the build keeps it.
            {a: slot_path(m)[0] if id(m) in given else m.source for a, m in own.items()},
            tuple(new_files),
            materials,
        )
        self._snapshot = snapshot
        return snapshot

    def _parse_moviefile(self, text: str, source: Path | str) -> tuple[str, Moviefile]:
        """The Moviefile text this object builds with, and its model (a variant's differ)."""
        return text, parse_moviefile(text, source, producer_names=self._producer_names)

    def _read_own_media(self, graph: Graph) -> dict[NodeId, OwnMedia]:
        return read_own_media(self.folder, graph)

    def _parse(self, text: str, source: Path | str) -> tuple[str, Moviefile, Graph]:
        """The Moviefile ``text`` as this object builds it, its model and its graph; the last
        text's are kept, as all follow from the text alone (opening and then planning read the
        same text twice)."""
        if self._parsed is not None and self._parsed[0] == text:
            return self._parsed[1:]
        own_text, moviefile = self._parse_moviefile(text, source)
        graph = expand_graph(moviefile, self.blueprints)
        self._parsed = (text, own_text, moviefile, graph)
        return own_text, moviefile, graph

    def _read_overrides(self, moviefile: Moviefile, graph: Graph) -> dict[NodeId, bytes]:
        from moviebuild.project.prompts import read_edits

        found: dict[NodeId, bytes] = {}
        if moviefile.music_prompt:
            found[NodeId("MusicPrompt")] = moviefile.music_prompt.encode("utf-8")
        for artifact_id, text in read_edits(self.folder).items():
            if artifact_id in graph.artifacts:
                found[artifact_id] = text.encode("utf-8")
        return found

    def set_override(self, text_id: str, value: str) -> None:
        """Pin a text artifact (``SegmentImagePrompt[3][2]``) to ``value`` for this object's
        plans and builds."""
        self.defaults = self.defaults.merged(Changes(overrides={text_id: value}))
        self.read_snapshot()

    def set_file(self, artifact_id: str, file: Path | str | bytes | None) -> None:
        """Pin a media slot (``SegmentImage[3][2]``) to your own file for this object's plans
        and builds (a build keeps it under ``prompts/``); ``None`` hands the slot back."""
        self.defaults = self.defaults.merged(Changes(files={artifact_id: file}))
        self.read_snapshot()

    # The store.

    @property
    def store_url(self) -> str:
        configured = self.moviefile.store
        if configured and "://" in configured:
            return configured
        return str(self.home / (configured or DEFAULT_STORE))

    def store_exists(self) -> bool:
        """Whether the movie has a store yet (asking a remote store once; creating nothing)."""
        if not self._is_remote():
            return Path(self.store_url.removeprefix("file://")).is_dir()
        if self._remote_store is None:
            from moviebuild.store import open_existing_store

            self._remote_store = open_existing_store(self.store_url, cache_dir=self._cache_dir())
        return self._remote_store is not None

    def open_store(self) -> Store:
        """The movie's store, created when missing (a remote one is opened once per Movie)."""
        from moviebuild.store import open_store

        if not self._is_remote():
            store = open_store(self.store_url)
        else:
            if self._remote_store is None:
                self._remote_store = open_store(self.store_url, cache_dir=self._cache_dir())
            store = self._remote_store
        store.select_head(self.variant)
        return store

    def _is_remote(self) -> bool:
        return "://" in self.store_url and not self.store_url.startswith("file://")

    def _cache_dir(self) -> Path:
        # A remote store's blobs are kept here too, so each is downloaded once.
        return self.home / BLOB_CACHE

    def results(self) -> ResultLookup:
        if not self.store_exists():
            return EmptyResults()
        from moviebuild.project.results import StoreResults

        return StoreResults(self.open_store())

    def executor(self, **options: Any) -> ProviderExecutor:
        return ProviderExecutor(self.moviefile, **options)

    # The engine's plan.

    def make_plan(
        self,
        changes: Changes | None = None,
        *,
        redo: Iterable[NodeId] = (),
        lookup: ResultLookup | None = None,
        snapshot: Snapshot | None = None,
    ) -> Plan:
        """The engine's plan of a build with ``changes``: every job with its decision."""
        snapshot = snapshot or self.read_snapshot(changes)
        return make_plan(
            snapshot.graph,
            snapshot.moviefile,
            lookup or self.results(),
            ProviderExecutor(snapshot.moviefile, materials=snapshot.materials),
            overrides=snapshot.overrides,
            redo=[*snapshot.redo, *redo],
            attachments=snapshot.materials,
        )


def _text_artifact(graph: Graph, text_id: str) -> NodeId:
    artifact_id = parse_node_id(text_id)
    artifact = graph.artifacts.get(artifact_id)
    if artifact is None or artifact.kind != "text":
        names = [str(a) for a, art in graph.artifacts.items() if art.kind == "text"]
        raise GraphError(
            f"{text_id} is not a text artifact of this movie, so it cannot be overridden",
            hint=did_you_mean(text_id, names) or "overridable: narration, prompts, title, summary",
        )
    return artifact_id
