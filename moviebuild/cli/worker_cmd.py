"""``moviebuild worker``: run builds and provider calls for a cluster that shares a PostgreSQL
database (``pip install 'moviebuild[cloud]'``); docs/scale-out.md has the topology."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from moviebuild.cli.context import CliContext, pass_cli
from moviebuild.cli.numbers import ASCII_FLOAT, AsciiFloatRange, AsciiIntRange


@click.command()
@click.option("--database", envvar="MOVIEBUILD_DATABASE", required=True, metavar="URL",
              help="postgresql://user:password@host:port/db (or MOVIEBUILD_DATABASE).")
@click.option("--root", default=None,
              help="Build only movies under this folder (relative movie paths start here), or "
              "the server's s3://bucket/prefix (each movie's store on S3, its folder cached "
              "on this host).")
@click.option("--cache", default=None, metavar="DIR", type=click.Path(file_okay=False),
              help="With an S3 root: where this host caches movie folders [default: in the "
              "user's cache dir].")
@click.option("--id", "executor_id", envvar="DBOS__VMID", default="",
              help="This worker's executor id (default: a new one). A worker restarted with "
              "the same id resumes its own workflows at once.")
@click.option("--grace", "grace_s", type=ASCII_FLOAT, default=30.0, show_default=True,
              help="Seconds to finish running calls after SIGTERM.")
@click.option("--heartbeat", "heartbeat_s", type=ASCII_FLOAT, default=2.0, show_default=True,
              help="Seconds between heartbeats.")
@click.option("--dead-after", "dead_after_s", type=ASCII_FLOAT, default=15.0, show_default=True,
              help="Seconds of silence after which a worker is dead and its work recovered. A "
              "worker whose beats are not confirmed for half of it starts no call until they "
              "are.")
@click.option("--poll", "poll_s", type=AsciiFloatRange(min=0.001), default=0.5,
              show_default=True, help="Seconds between looks at each queue and for answers.")
@click.option("--local-slots", type=AsciiIntRange(min=1), default=None,
              help="Offline and timeline jobs at once on this worker (default: its cores).")
@click.option("--db-connections", type=AsciiIntRange(min=2), default=4, show_default=True,
              help="Most database connections DBOS keeps for this worker (it uses 6 more: "
              "LISTEN, dispatch 2, heartbeat, leases, limits).")
@click.option("--retain-days", type=AsciiFloatRange(min=0), default=7.0, show_default=True,
              help="Trim finished workflows older than this many days (0: keep them all).")
@click.option("--app-version", default="", help="Application version (default: the release).")
@pass_cli
def worker(
    context: CliContext,
    database: str,
    root: str | None,
    cache: str | None,
    executor_id: str,
    grace_s: float,
    heartbeat_s: float,
    dead_after_s: float,
    poll_s: float,
    local_slots: int | None,
    db_connections: int,
    retain_days: float,
    app_version: str,
) -> None:
    """Run builds and provider calls from the cluster's queues until SIGTERM."""
    import asyncio
    import logging
    import signal

    from moviebuild.distributed.settings import ClusterSettings
    from moviebuild.distributed.worker import Worker

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("moviebuild.worker")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    providers = logging.getLogger("moviebuild.providers")
    providers.addHandler(handler)
    providers.setLevel(logging.INFO)
    settings = ClusterSettings(
        database, app_version, poll_s, heartbeat_s, dead_after_s,
        db_connections=db_connections, retain_days=retain_days,
    )
    folder, cached_folder = _movies(root, cache)
    process = Worker(settings, executor_id, grace_s, folder, local_slots, cached_folder)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stop.set)
        await process.run(stop)

    asyncio.run(main())


def _movies(
    root: str | None, cache: str | None
) -> tuple[Path | None, Callable[[str], Path] | None]:
    """The worker's root folder and, with an S3 root, how a movie's cached folder is found
    (the S3 root is read once now, so a wrong URL, endpoint or credentials stop the worker
    before it takes work)."""
    from moviebuild.server.root import LocalRoot
    from moviebuild.server.root_location import open_root

    if root is None:
        if cache is not None:
            raise click.UsageError("--cache goes with an S3 --root")
        return None, None
    movies = open_root(root, Path(cache) if cache else None)
    if isinstance(movies, LocalRoot):
        if cache is not None:
            raise click.UsageError("--cache goes with an S3 --root; a folder root is used as it is")
        return movies.path.resolve(), None
    from moviebuild.server.s3root import S3Root

    assert isinstance(movies, S3Root)
    movies.check()
    return movies.cache.resolve(), movies.cached_folder
