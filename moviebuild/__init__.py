"""moviebuild: a Make-style incremental build tool for short AI-generated movies.

Layout (dependencies point down):

    cli/        the command line (click, rich): parses, calls the API below, renders
    studio/     the browser studio's built page, and ``moviebuild studio`` for one folder
    project/    the one build path: open a movie, plan, build, state, history
    engine/     keys, reasons, planner, dataflow scheduler, pools, retries (handed interfaces)
    store/      blobs, journal, revisions, lock behind fsspec
    providers/  adapters (offline, openai, elevenlabs, replicate, fal)
    timeline/   the timeline format, assembly strategies, ffmpeg preview render
    graph/      node ids, the expanded graph, expansion of blueprints
    config/     Moviefile and blueprint loading (pydantic, yaml)
    errors.py   the one exception tree

The public API is what ``__all__`` names::

    movie = moviebuild.open("civil-war")
    plan = movie.plan(moviebuild.Changes(overrides={"SegmentNarration[2]": "New words"}))
    result = movie.build(moviebuild.Changes(config={"voice": "alice"}), budget_usd=2.50)
    state = movie.state()          # MovieState: revision, timeline with links, prompts, errors

    server = moviebuild.connect("http://127.0.0.1:8080", token)   # the same verbs, remotely
    movie = server.movie("m-1f2e3d4c5b6a")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from moviebuild.errors import MovieBuildError

if TYPE_CHECKING:
    from moviebuild.client import RemoteServer
    from moviebuild.engine.plan import Plan
    from moviebuild.project.changes import Changes
    from moviebuild.project.movie import Movie
    from moviebuild.project.result import BuildResult
    from moviebuild.project.state import MovieState

__all__ = [
    "BuildResult",
    "Changes",
    "Movie",
    "MovieBuildError",
    "MovieState",
    "Plan",
    "connect",
    "open",
]

_LAZY = {
    "BuildResult": "moviebuild.project.result",
    "Changes": "moviebuild.project.changes",
    "Movie": "moviebuild.project.movie",
    "MovieState": "moviebuild.project.state",
    "Plan": "moviebuild.engine.plan",
}


def open(path_or_url: str | Path) -> Movie:
    """Open the movie folder at ``path_or_url`` (its Moviefile is checked now)."""
    from moviebuild.project.movie import Movie

    return Movie.open(path_or_url)


def connect(url: str | None = None, token: str | None = None) -> RemoteServer:
    """The ``moviebuild serve`` at ``url`` as the tenant of ``token`` (defaults:
    ``MOVIEBUILD_SERVER``, ``MOVIEBUILD_TOKEN``); its movies answer like local ones."""
    from moviebuild.client import connect as connect_to

    return connect_to(url, token)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'moviebuild' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
