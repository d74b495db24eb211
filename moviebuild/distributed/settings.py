"""What every process of one cluster agrees on: the database, the application version that pins
recovery, the timings of queue polling and heartbeats, and the error a cluster's database gives
(``ClusterError``, with its URL ``redact``ed)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from moviebuild.errors import MovieBuildError

APP_NAME = "moviebuild"


def default_application_version() -> str:
    """``moviebuild-<package version>``: a release is one DBOS application version, so a worker
    recovers only workflows that its own code wrote."""
    try:
        return f"{APP_NAME}-{metadata.version('moviebuild')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - a source checkout without install
        return f"{APP_NAME}-dev"


@dataclass(frozen=True)
class ClusterSettings:
    """``poll_interval_s``: how often a worker looks for queued work and for finished calls.
    ``heartbeat_s``: how often a worker writes its row. ``dead_after_s``: a worker silent that
    long is dead and a live worker recovers its workflows. ``db_connections``: the most
    connections DBOS's pool of this process keeps (docs/scale-out.md, "Resources").
    ``retain_days``: finished workflows older than that are trimmed (0: never).
    ``limits_every_s``: how often a worker reads the operator's limits."""

    database_url: str
    application_version: str = ""
    poll_interval_s: float = 0.5
    heartbeat_s: float = 2.0
    dead_after_s: float = 15.0
    db_connections: int = 4
    retain_days: float = 7.0
    limits_every_s: float = 2.0
    trim_every_s: float = 3600.0

    @property
    def version(self) -> str:
        return self.application_version or default_application_version()


class ClusterError(MovieBuildError):
    """The database of a cluster could not be reached, or DBOS is missing or changed."""

    exit_code = 3


def redact(url: str) -> str:
    """``url`` without its password."""
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.partition(":")[0]
    return f"{scheme}://{user}@{tail}"
