"""``Movie``: the Python API's entry point and what every door (CLI, server, workers) holds.

A thin facade: ``MovieFolder`` (``project/folder.py``) reads the folder, its snapshot and its
store; each verb here hands the folder to the operation that owns it (``project/build.py``,
``project/state_build.py``, ``project/history.py``, ``project/editor_export.py``). Nothing below
imports this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from moviebuild.project.changes import Changes
from moviebuild.project.folder import MovieFolder

if TYPE_CHECKING:
    from typing import Unpack

    from moviebuild.project.editor_export import EditExport
    from moviebuild.project.options import BuildOptions
    from moviebuild.project.reports import BuildReport, PlanReport, RevisionEntry
    from moviebuild.project.spent import Restored
    from moviebuild.project.state import Linker, MovieState


class Movie(MovieFolder):
    """One movie folder, with the verbs: plan, build, state, log, checkout, export_edit."""

    def plan(self, changes: Changes | None = None) -> PlanReport:
        """What a build with ``changes`` would do now, and what it would cost; loads no
        provider code, calls nothing."""
        from moviebuild.project.reports_build import plan_report

        snapshot = self.read_snapshot(changes)
        if not self.store_exists():
            return plan_report(self.make_plan(snapshot=snapshot), snapshot.moviefile)
        from moviebuild.project.results import StoreResults

        with self.open_store() as store:
            plan = self.make_plan(snapshot=snapshot, lookup=StoreResults(store))
            return plan_report(plan, snapshot.moviefile, store)

    def build(
        self, changes: Changes | None = None, **options: Unpack[BuildOptions]
    ) -> BuildReport:
        """Build now; ``options`` are ``BuildOptions`` (``on_event``, ``budget_usd``, ``stop``,
        ``pools``; ``clock``, ``adapters``, ``retry`` for tests)."""
        from moviebuild.project.build import build_movie

        return build_movie(self, changes, **options)

    async def build_async(
        self, changes: Changes | None = None, **options: Unpack[BuildOptions]
    ) -> BuildReport:
        """``build`` for callers already inside an event loop (servers, workers)."""
        from moviebuild.project.build import build_movie_async

        return await build_movie_async(self, changes, **options)

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
