"""The CLI against a server movie (``--server URL --movie ID``, or ``MOVIEBUILD_SERVER``,
``MOVIEBUILD_MOVIE`` and ``MOVIEBUILD_TOKEN``): ``--dry-run``, build and ``status`` through
``moviebuild.connect``, whose reports are the local ones, printed by the same code."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from moviebuild.cli.context import CliContext
from moviebuild.errors import ConfigError

if TYPE_CHECKING:
    from moviebuild.client import RemoteMovie
    from moviebuild.project.changes import Changes


def remote_movie(context: CliContext) -> RemoteMovie:
    from moviebuild.client import connect

    if not context.movie_id:
        raise ConfigError(
            f"--server {context.server}: which movie?",
            hint="name it with --movie ID or MOVIEBUILD_MOVIE (GET /v1/movies lists them)",
        )
    return connect(context.server).movie(context.movie_id)


def show_remote_plan(context: CliContext, changes: Changes) -> None:
    from moviebuild.cli.dry_run import print_plan

    print_plan(context, remote_movie(context).plan(changes))


def run_remote_build(context: CliContext, changes: Changes) -> None:
    from moviebuild.cli.build_cmd import print_build
    from moviebuild.cli.progress import Progress

    progress = Progress(plain=True, quiet=context.as_json)
    with progress:
        report = remote_movie(context).build(
            changes, on_event=progress, budget_usd=context.budget_usd
        )
    print_build(context, report, progress.elapsed_s())


def show_remote_status(context: CliContext) -> None:
    state = remote_movie(context).state()
    if context.as_json:
        context.echo_json(state.model_dump(mode="json"))
        return
    where = f"revision {state.revision} ({state.status})" if state.revision else "not built yet"
    counts: dict[str, int] = {}
    for job in state.jobs:
        counts[job.status] = counts.get(job.status, 0) + 1
    click.echo(
        f"{where}: {counts.get('current', 0)} current, {counts.get('stale', 0)} stale, "
        f"{counts.get('failed', 0)} failed, {counts.get('blocked', 0)} blocked"
    )
    for error in state.errors:
        if error.kind == "blocked-by":
            click.echo(f"  blocked {error.job} by {', '.join(error.blocked_by)}")
        else:
            click.echo(f"  failed  {error.job} ({error.kind}): {error.message}")
