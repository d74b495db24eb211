"""moviebuild: a Make-style incremental build tool for short AI-generated movies.

Layout (dependencies point down):

    cli/        the command line (click, rich)
    project/    wiring: a movie folder's Moviefile, store, prompts and providers -> the engine
    engine/     keys, reasons, planner, dataflow scheduler, pools, retries (handed interfaces)
    store/      blobs, journal, revisions, lock behind fsspec
    providers/  adapters (offline, ...) and what each producer asks of them
    timeline/   the timeline format, assembly strategies, ffmpeg preview render
    graph/      node ids, the expanded graph, expansion of blueprints
    config/     Moviefile and blueprint loading (pydantic, yaml)
    errors.py   the one exception tree

Public API: ``Movie.open(folder)``, ``Movie.plan()``, ``build(movie)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moviebuild.errors import MovieBuildError

if TYPE_CHECKING:
    from moviebuild.project.movie import Movie
    from moviebuild.project.result import BuildResult

__all__ = ["BuildResult", "Movie", "MovieBuildError", "build"]


def build(movie: Movie, **options: Any) -> BuildResult:
    """Build ``movie`` (see ``moviebuild.project.build.build_movie`` for the options)."""
    import asyncio

    from moviebuild.project.build import build_movie

    return asyncio.run(build_movie(movie, **options))


def __getattr__(name: str) -> Any:
    if name == "Movie":
        from moviebuild.project.movie import Movie

        return Movie
    if name == "BuildResult":
        from moviebuild.project.result import BuildResult

        return BuildResult
    raise AttributeError(name)
