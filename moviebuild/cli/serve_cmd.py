"""``moviebuild serve``: the HTTP API over movies under a root (a folder or S3), until SIGTERM or
Ctrl-C."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, pass_cli
from moviebuild.cli.numbers import AsciiFloatRange, AsciiIntRange


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=AsciiIntRange(0, 65535))
@click.option(
    "--root",
    default="moviebuild-root",
    show_default=True,
    help="Where movies live: a folder, or s3://bucket/prefix (each movie's store on S3).",
)
@click.option(
    "--cache", default=None, metavar="DIR", type=click.Path(file_okay=False),
    help="With an S3 root: where movie folders are cached [default: in the user's cache dir].",
)
@click.option(
    "--grace", "grace_s", default=10.0, show_default=True, type=AsciiFloatRange(0),
    help="Seconds in-flight provider calls get to finish when stopping.",
)
@click.option(
    "--max-builds-per-tenant", default=4, show_default=True, type=AsciiIntRange(1),
    help="Concurrent builds one tenant may run (429 beyond).",
)
@click.option(
    "--max-streams-per-tenant", default=32, show_default=True, type=AsciiIntRange(1),
    help="Event streams (GET .../events) one tenant may hold open (429 beyond).",
)
@click.option(
    "--allow-loopback-webhooks", is_flag=True,
    help="Local development only: webhooks may reach this machine (127.0.0.1, localhost, ::1), "
    "also over plain http. Private and link-local addresses stay refused.",
)
@click.option(
    "--public-url", default=None, metavar="URL",
    help="How clients reach this server (behind a proxy); asset links start with it.",
)
@click.option(
    "--database", envvar="MOVIEBUILD_DATABASE", default=None, metavar="URL",
    help="PostgreSQL of a cluster: builds run on its `moviebuild worker` processes, started "
    "with this --root (a folder they all mount, or the same s3://bucket/prefix).",
)
@click.option(
    "--poll", "poll_s", default=0.5, show_default=True, type=AsciiFloatRange(0.01),
    help="With --database: seconds between looks at each running build.",
)
@click.option("--app-version", default="", help="With --database: the workers' application "
              "version (default: this release).")
@click.option("--db-connections", default=4, show_default=True, type=AsciiIntRange(1),
              help="With --database: most connections the server keeps to it.")
@pass_cli
def serve(
    _context: CliContext,
    host: str,
    port: int,
    root: str,
    cache: str | None,
    grace_s: float,
    max_builds_per_tenant: int,
    max_streams_per_tenant: int,
    allow_loopback_webhooks: bool,
    public_url: str | None,
    database: str | None,
    poll_s: float,
    app_version: str,
    db_connections: int,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /v1/openapi.json); builds run in this process, or
    on workers with --database."""
    import asyncio
    import logging

    from moviebuild.server.root_location import open_root
    from moviebuild.server.serve import serve as run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    from pathlib import Path

    movie_root = open_root(root, Path(cache) if cache else None)
    factory = None
    if database:
        from moviebuild.server.s3root import S3Root

        if isinstance(movie_root, S3Root):
            movie_root.check()  # a wrong endpoint or credentials said before the database
        from moviebuild.distributed.backend import ClusterBackend
        from moviebuild.distributed.runtime import import_dbos, redact
        from moviebuild.distributed.settings import ClusterSettings
        from moviebuild.server.cluster_backend import cluster_factory

        import_dbos()
        settings = ClusterSettings(
            database, app_version, poll_interval_s=poll_s, db_connections=db_connections
        )
        # Movies go to the workers by their path under the root: the folder every worker
        # mounts, or with an S3 root the same path under each host's cache.
        from moviebuild.server.root import TenantFolders

        assert isinstance(movie_root, TenantFolders)
        factory = cluster_factory(
            ClusterBackend(settings), movie_root.folders,
            shared_folders=not isinstance(movie_root, S3Root),
        )
        click.echo(f"builds run on the workers of {redact(database)} ({settings.version})")
    asyncio.run(
        run(
            movie_root, host, port, grace_s=grace_s,
            max_builds_per_tenant=max_builds_per_tenant,
            max_streams_per_tenant=max_streams_per_tenant,
            allow_loopback_webhooks=allow_loopback_webhooks, public_url=public_url,
            backend_factory=factory,
        )
    )
