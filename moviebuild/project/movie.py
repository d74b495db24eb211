"""``Movie``: the Python API's entry point and what every door (CLI, server, workers) holds.

A thin facade: ``MovieFolder`` (``project/folder.py``) reads the folder, its snapshot and its
store; each verb here hands the folder to the operation that owns it (``project/build.py``,
``project/state_build.py``, ``project/history.py``, ``project/editor_export.py``). Nothing below
imports this module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from moviebuild.project.changes import Changes
from moviebuild.project.folder import MovieFolder
from moviebuild.project.variant import VariantFolder

if TYPE_CHECKING:
    from typing import Unpack

    from moviebuild.project.editor_export import EditExport
    from moviebuild.project.options import BuildOptions
    from moviebuild.project.reports import BuildReport, PlanReport, RevisionEntry
    from moviebuild.project.spent import Restored
    from moviebuild.project.state import Linker, MovieState


class Movie(MovieFolder):
    """One movie folder, with the verbs: plan, build, state, log, checkout, export_edit."""

    @classmethod
    def open(
        cls,
        location: Path | str,
        *,
        overrides: Mapping[str, str] | None = None,
        variant: str | None = None,
    ) -> Movie:
        """Open the movie folder at ``location`` and check its Moviefile and ``overrides``;
        ``variant`` opens one of its variants (``variants:`` in the Moviefile, built into
        ``variants/NAME/``)."""
        base = super().open(location, overrides=None if variant else overrides)
        if variant is None:
            return base
        return VariantMovie(base, variant, Changes(overrides=dict(overrides or {})))

    def with_variant(self, name: str | None) -> Movie:
        """This movie's variant ``name`` (``variants:`` in the Moviefile); None: the base."""
        if name == self.variant:
            return self
        return Movie.open(self.home, variant=name)

    def _variant_of(self, changes: Changes | None) -> tuple[Movie, Changes | None]:
        """The movie ``changes`` are for (``Changes(variant=...)``), and the changes without it."""
        if changes is None or changes.variant is None:
            return self, changes
        return self.with_variant(changes.variant), dataclasses.replace(changes, variant=None)

    def plan(self, changes: Changes | None = None) -> PlanReport:
        """What a build with ``changes`` would do now, and what it would cost; loads no
        provider code, calls nothing."""
        from moviebuild.project.reports_build import plan_report

        movie, changes = self._variant_of(changes)
        if movie is not self:
            return movie.plan(changes)
        snapshot = self.read_snapshot(changes)
        if not self.store_exists():
            report = plan_report(self.make_plan(snapshot=snapshot), snapshot.moviefile)
        else:
            from moviebuild.project.results import StoreResults

            with self.open_store() as store:
                plan = self.make_plan(snapshot=snapshot, lookup=StoreResults(store))
                report = plan_report(plan, snapshot.moviefile, store)
        return report.model_copy(update={"variant": self.variant}) if self.variant else report

    def build(
        self, changes: Changes | None = None, **options: Unpack[BuildOptions]
    ) -> BuildReport:
        """Build now; ``options`` are ``BuildOptions`` (``on_event``, ``budget_usd``, ``stop``,
        ``pools``; ``clock``, ``adapters``, ``retry`` for tests)."""
        from moviebuild.project.build import build_movie

        movie, changes = self._variant_of(changes)
        return movie._named(build_movie(movie, changes, **options))

    async def build_async(
        self, changes: Changes | None = None, **options: Unpack[BuildOptions]
    ) -> BuildReport:
        """``build`` for callers already inside an event loop (servers, workers)."""
        from moviebuild.project.build import build_movie_async

        movie, changes = self._variant_of(changes)
        return movie._named(await build_movie_async(movie, changes, **options))

    def _named(self, report: BuildReport) -> BuildReport:
        return report.model_copy(update={"variant": self.variant}) if self.variant else report

    def state(self, link: Linker | None = None) -> MovieState:
        """The answer document: revision, timeline with links, prompts, errors, cost, notices.

        ``link(artifact_id, digest)`` makes each asset's link (a server's signed URL); by
        default links are paths relative to the movie folder (``out/segment-01/image-1.png``).
        """
        from moviebuild.project.state_build import movie_state

        return movie_state(self, link)

    def log(self) -> list[RevisionEntry]:
        from moviebuild.project.history import revision_log

        return revision_log(self)

    def checkout(self, revision: int | str, *, force: bool = False) -> Restored:
        """Make ``revision`` (``3`` or ``"r3"``) current again; calls nothing. Returns what
        its paid outputs had cost (saved, not spent)."""
        from moviebuild.project.history import checkout_revision, parse_revision

        return checkout_revision(self, parse_revision(revision), force=force)

    def export_edit(
        self, format: str, *, out_path: Path | None = None, bundle: Path | None = None
    ) -> EditExport:
        """The current revision for an editor: ``otio``, ``fcpxml`` or ``edl`` (docs/export.md),
        beside ``out/``'s media, at ``out_path``, or in a ``bundle`` folder with its media."""
        from moviebuild.project.editor_export import export_edit

        return export_edit(self, format, out_path=out_path, bundle=bundle)


class VariantMovie(VariantFolder, Movie):
    """A variant of a movie with the verbs (project/variant.py says where its files live)."""
