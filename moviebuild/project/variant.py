"""A variant of a movie opened for work: the base movie's Moviefile with the variant's patch,
the base movie's store, and the variant's own folder.

Where things live::

    Moviefile.yaml              the base movie and its ``variants:``
    out/, prompts/              the base movie's output and editable texts
    variants/NAME/out/          the variant's output (timeline, media, preview)
    variants/NAME/prompts/      the variant's editable texts; an edit here is the variant's own
    .moviebuild/                one store: blobs and revisions of the base and every variant;
                                ``HEAD`` is the base's current revision, ``heads/NAME`` a variant's

A variant reads the base movie's edits under ``prompts/`` first and its own on top, so an edit
to the base flows into every variant unless the variant pinned that text itself. Jobs whose key
is unchanged by the patch find the base movie's results in the store and run nowhere.
"""

from __future__ import annotations

from pathlib import Path

from moviebuild.config.load import load_moviefile, parse_moviefile
from moviebuild.config.moviefile import Moviefile
from moviebuild.config.variants import unknown_variant, variant_chain, variant_text
from moviebuild.errors import ConfigError
from moviebuild.graph import Graph, NodeId
from moviebuild.project.changes import Changes
from moviebuild.project.folder import MovieFolder, Snapshot
from moviebuild.project.own_media import OwnMedia, read_own_media

VARIANTS_DIR = "variants"


def variant_folder(home: Path, name: str) -> Path:
    """Where variant ``name`` of the movie at ``home`` keeps ``out/`` and ``prompts/``."""
    return home / VARIANTS_DIR / name


def variant_names(home: Path) -> list[str]:
    """The variants the Moviefile at ``home`` declares, in the order written."""
    from moviebuild.config.load import find_moviefile

    return list(load_moviefile(find_moviefile(home)).variants)


class VariantFolder(MovieFolder):
    """Variant ``name`` of ``base``: builds into ``variants/NAME/`` with the base's store
    (``Movie.open(folder, variant=NAME)`` gives one with the verbs)."""

    _base_moviefile: Moviefile

    def __init__(self, base: MovieFolder, name: str, defaults: Changes) -> None:
        if name not in base.moviefile.variants:
            raise unknown_variant(name, base.moviefile)
        self.variant = name
        # The folder code reads relative to an existing folder (never through a link).
        variant_folder(base.folder, name).mkdir(parents=True, exist_ok=True)
        super().__init__(
            variant_folder(base.folder, name), base.blueprints, defaults, home=base.folder
        )

    def read_snapshot(self, changes: Changes | None = None) -> Snapshot:
        if self.defaults.merged(changes).config:
            raise ConfigError(
                f"a Moviefile patch changes the base movie, not the variant '{self.variant}'",
                hint=f"change the variant's settings under `variants: {self.variant}:` in the "
                "Moviefile, or build the base movie with the patch",
            )
        return super().read_snapshot(changes)

    def _parse_moviefile(self, text: str, path: Path | str) -> tuple[str, Moviefile]:
        assert self.variant is not None
        base = parse_moviefile(text, path, producer_names=self._producer_names)
        self._base_moviefile = base
        if self.variant not in base.variants:
            raise unknown_variant(self.variant, base)
        own_text = variant_text(text, base, self.variant)
        return own_text, parse_moviefile(
            own_text, f"{path} (variant {self.variant})", producer_names=self._producer_names
        )

    def _inherited(self) -> list[Path]:
        """The folders whose edits this variant starts from, the farthest first: the base
        movie's, then those of the variants it extends."""
        assert self.variant is not None
        variants = self._base_moviefile.variants
        chain = variant_chain(variants, self.variant)[:-1]
        return [self.home, *(variant_folder(self.home, link) for link in chain)]

    def _read_own_media(self, graph: Graph) -> dict[NodeId, OwnMedia]:
        found: dict[NodeId, OwnMedia] = {}
        for folder in (*self._inherited(), self.folder):
            if folder.is_dir():
                found.update(read_own_media(folder, graph))
        return found

    def _read_overrides(self, moviefile: Moviefile, graph: Graph) -> dict[NodeId, bytes]:
        from moviebuild.project.prompts import read_edits

        found: dict[NodeId, bytes] = {}
        for folder in self._inherited():
            if folder.is_dir():
                found.update(
                    (a, text.encode("utf-8")) for a, text in read_edits(folder).items()
                    if a in graph.artifacts
                )
        own = super()._read_overrides(moviefile, graph)
        self.inherited_texts = {
            a: v.decode("utf-8") for a, v in found.items() if a not in own
        }
        return {**found, **own}
