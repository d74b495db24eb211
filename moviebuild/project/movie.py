"""A movie folder opened for work: its Moviefile, blueprints, expanded graph, overrides and store.

``Movie`` is the Python API's entry point and what every CLI command starts from. It plans (pure,
no provider code loaded) and builds (store, adapters, scheduler), wiring the engine's interfaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moviebuild.config.blueprint import BlueprintSet, load_blueprints
from moviebuild.config.load import find_moviefile, load_moviefile
from moviebuild.config.moviefile import Moviefile
from moviebuild.engine.interfaces import PriorRecord, ResultLookup
from moviebuild.engine.plan import Plan, make_plan
from moviebuild.graph import Graph, NodeId, expand_graph
from moviebuild.project.executor import ProviderExecutor

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


@dataclass
class Movie:
    """One movie folder. Overrides given here join those found in ``prompts/``."""

    folder: Path
    moviefile: Moviefile
    blueprints: BlueprintSet
    extra_overrides: dict[NodeId, bytes] = field(default_factory=dict)
    _remote_store: Store | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def open(cls, folder: Path | str, *, overrides: Mapping[str, str] | None = None) -> Movie:
        """Load ``folder``'s Moviefile; ``overrides`` maps artifact ids to replacement text."""
        root = Path(folder)
        blueprints = load_blueprints()
        producer_names = [p.name for p in blueprints.producers]
        moviefile = load_moviefile(find_moviefile(root), producer_names=producer_names)
        movie = cls(root, moviefile, blueprints)
        for text_id, value in (overrides or {}).items():
            movie.set_override(text_id, value)
        return movie

    @cached_property
    def graph(self) -> Graph:
        return expand_graph(self.moviefile, self.blueprints)

    @property
    def store_url(self) -> str:
        configured = self.moviefile.store
        if configured and "://" in configured:
            return configured
        return str(self.folder / (configured or DEFAULT_STORE))

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
            return open_store(self.store_url)
        if self._remote_store is None:
            self._remote_store = open_store(self.store_url, cache_dir=self._cache_dir())
        return self._remote_store

    def _is_remote(self) -> bool:
        return "://" in self.store_url and not self.store_url.startswith("file://")

    def _cache_dir(self) -> Path:
        # A remote store's blobs are kept here too, so each is downloaded once.
        return self.folder / BLOB_CACHE

    def moviefile_text(self) -> str:
        from moviebuild.config.load import MOVIEFILE_NAME

        return (self.folder / MOVIEFILE_NAME).read_text(encoding="utf-8")

    def set_override(self, text_id: str, value: str) -> None:
        """Pin a text artifact (``SegmentImagePrompt[3][2]``) to ``value``."""
        from moviebuild.graph import parse_node_id

        artifact_id = parse_node_id(text_id)
        artifact = self.graph.artifacts.get(artifact_id)
        if artifact is None or artifact.kind != "text":
            from moviebuild.errors import GraphError, did_you_mean

            names = [str(a) for a, art in self.graph.artifacts.items() if art.kind == "text"]
            raise GraphError(
                f"{text_id} is not a text artifact of this movie, so it cannot be overridden",
                hint=did_you_mean(text_id, names)
                or "overridable: narration, prompts, title, summary",
            )
        self.extra_overrides[artifact_id] = value.encode("utf-8")

    def overrides(self) -> dict[NodeId, bytes]:
        """Every override in force: the Moviefile's music_prompt, edits under ``prompts/``, then
        those given to this object (``--set`` and the API)."""
        from moviebuild.project.prompts import read_edits

        found: dict[NodeId, bytes] = {}
        if self.moviefile.music_prompt:
            found[NodeId("MusicPrompt")] = self.moviefile.music_prompt.encode("utf-8")
        for artifact_id, text in read_edits(self.folder).items():
            if artifact_id in self.graph.artifacts:
                found[artifact_id] = text.encode("utf-8")
        found.update(self.extra_overrides)
        return found

    def results(self) -> ResultLookup:
        if not self.store_exists():
            return EmptyResults()
        from moviebuild.project.results import StoreResults

        return StoreResults(self.open_store())

    def executor(self, **options: Any) -> ProviderExecutor:
        return ProviderExecutor(self.moviefile, **options)

    def plan(self, *, redo: Iterable[NodeId] = (), lookup: ResultLookup | None = None) -> Plan:
        """What a build would do now; loads no provider code and calls nothing."""
        return make_plan(
            self.graph,
            self.moviefile,
            lookup or self.results(),
            self.executor(),
            overrides=self.overrides(),
            redo=redo,
        )
