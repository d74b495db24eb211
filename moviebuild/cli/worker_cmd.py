"""``moviebuild worker``: run builds and provider calls for a cluster that shares a PostgreSQL
database (``pip install 'moviebuild[cloud]'``); docs/scale-out.md has the topology."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, pass_cli
from moviebuild.cli.numbers import ASCII_FLOAT, AsciiFloatRange, AsciiIntRange


@click.command()
@click.option("--database", envvar="MOVIEBUILD_DATABASE", required=True, metavar="URL",
              help="postgresql://user:password@host:port/db (or MOVIEBUILD_DATABASE).")
@click.option("--root", type=click.Path(file_okay=False), default=None,
              help="Build only movies under this folder; relative movie paths start here.")
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
              show_default=True,
              help="Seconds between the fleet's looks at each queue (each worker looks every "
              "--poll x the live workers; the fleet looks at the builds queue at most once a "
              "second).")
@click.option("--local-slots", type=AsciiIntRange(min=1), default=None,
              help="Offline and timeline jobs at once on this worker (default: its cores).")
@click.option("--db-connections", type=AsciiIntRange(min=2), default=4, show_default=True,
              help="Most database connections DBOS keeps for this worker (it uses 6 more: "
              "DBOS's LISTEN, dispatch, listening for answers, heartbeat, leases, limits).")
@click.option("--retain-days", type=AsciiFloatRange(min=0), default=7.0, show_default=True,
              help="Trim finished workflows, and the rows of workers silent, older than this "
              "many days (0: keep them all).")
@click.option("--app-version", default="", help="Application version (default: the release).")
@pass_cli
def worker(
    context: CliContext,
    database: str,
    root: str | None,
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
    from pathlib import Path

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
    process = Worker(
        settings, executor_id, grace_s, Path(root).resolve() if root else None, local_slots
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stop.set)
        await process.run(stop)

    asyncio.run(main())
