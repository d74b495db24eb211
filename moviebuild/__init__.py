"""moviebuild: a Make-style incremental build tool for short AI-generated movies.

Layout (dependencies point down):

    cli/        the command line (click, rich): parses, calls the API below, renders
    studio/     the browser studio's built page, and ``moviebuild studio`` for one folder
    server/     the HTTP API (aiohttp): tenants, tokens, builds, event streams
    distributed/ builds and provider calls on DBOS workers sharing a PostgreSQL database
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
    report = movie.build(moviebuild.Changes(config={"voice": "alice"}), budget_usd=2.50)
    state = movie.state()          # MovieState: revision, timeline with links, prompts, errors

Every verb answers with one class, whichever door asks: ``plan`` a ``PlanReport``, ``build`` a
``BuildReport`` (``on_event`` is called with ``BuildEvent``s), ``log`` ``RevisionEntry``s, and
``state`` a ``MovieState``; errors are the ``MovieBuildError`` tree (``BudgetExceeded``,
``ConfigError``, ...).

    server = moviebuild.connect("http://127.0.0.1:8080", token)   # the same verbs, remotely
    movie = server.movie("m-1f2e3d4c5b6a")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from moviebuild.errors import (
    BudgetExceeded,
    BuildIncomplete,
    ConfigError,
    GraphError,
    Interrupted,
    LockHeld,
    MediaError,
    MovieBuildError,
    MoviefileNotFound,
    ProviderError,
    StoreError,
)

if TYPE_CHECKING:
    from moviebuild.client import RemoteMovie, RemoteServer
    from moviebuild.project.changes import Changes
    from moviebuild.project.events import (
        BuildEvent,
        BuildFinished,
        BuildStarted,
        JobBlocked,
        JobFailed,
        JobFinished,
        JobRetrying,
        JobReused,
        JobSkipped,
        JobStarted,
        JobWaiting,
    )
    from moviebuild.project.movie import Movie
    from moviebuild.project.reports import BuildReport, PlanReport, RevisionEntry
    from moviebuild.project.state import MovieState

__all__ = [
    "BudgetExceeded",
    "BuildEvent",
    "BuildFinished",
    "BuildIncomplete",
    "BuildReport",
    "BuildStarted",
    "Changes",
    "ConfigError",
    "GraphError",
    "Interrupted",
    "JobBlocked",
    "JobFailed",
    "JobFinished",
    "JobRetrying",
    "JobReused",
    "JobSkipped",
    "JobStarted",
    "JobWaiting",
    "LockHeld",
    "MediaError",
    "Movie",
    "MovieBuildError",
    "MovieState",
    "MoviefileNotFound",
    "PlanReport",
    "ProviderError",
    "RemoteMovie",
    "RemoteServer",
    "RevisionEntry",
    "StoreError",
    "connect",
    "open",
]

_EVENTS = "moviebuild.project.events"
_REPORTS = "moviebuild.project.reports"
_LAZY = {
    "BuildEvent": _EVENTS,
    "BuildFinished": _EVENTS,
    "BuildStarted": _EVENTS,
    "JobBlocked": _EVENTS,
    "JobFailed": _EVENTS,
    "JobFinished": _EVENTS,
    "JobRetrying": _EVENTS,
    "JobReused": _EVENTS,
    "JobSkipped": _EVENTS,
    "JobStarted": _EVENTS,
    "JobWaiting": _EVENTS,
    "BuildReport": _REPORTS,
    "PlanReport": _REPORTS,
    "RevisionEntry": _REPORTS,
    "Changes": "moviebuild.project.changes",
    "Movie": "moviebuild.project.movie",
    "MovieState": "moviebuild.project.state",
    "RemoteMovie": "moviebuild.client",
    "RemoteServer": "moviebuild.client",
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
