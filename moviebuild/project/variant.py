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
from moviebuild.config.variants import unknown_variant, variant_text
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

    def _parse_moviefile(self, text: str, path: Path) -> tuple[str, Moviefile]:
        assert self.variant is not None
        base = parse_moviefile(text, path, producer_names=self._producer_names)
        if self.variant not in base.variants:
            raise unknown_variant(self.variant, base)
        own_text = variant_text(text, base, self.variant)
        return own_text, parse_moviefile(
            own_text, f"{path} (variant {self.variant})", producer_names=self._producer_names
        )

    def _read_own_media(self, graph: Graph) -> dict[NodeId, OwnMedia]:
        return {**read_own_media(self.home, graph), **read_own_media(self.folder, graph)}

    def _read_overrides(self, moviefile: Moviefile, graph: Graph) -> dict[NodeId, bytes]:
        from moviebuild.project.prompts import read_edits

        found = super()._read_overrides(moviefile, graph)
        base = {
            a: text.encode("utf-8") for a, text in read_edits(self.home).items()
            if a in graph.artifacts
        }
        return {**base, **found}
