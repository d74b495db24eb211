"""The CLI against a server movie (``--server URL --movie ID``, or ``MOVIEBUILD_SERVER``,
``MOVIEBUILD_MOVIE`` and ``MOVIEBUILD_TOKEN``): ``--dry-run``, build and ``status`` through
``moviebuild.connect``, printed like their local twins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from moviebuild.cli.context import CliContext
from moviebuild.errors import BuildIncomplete, ConfigError, Interrupted

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
    plan = remote_movie(context).plan(changes)
    if context.as_json:
        context.echo_json(plan.model_dump(mode="json"))
        return
    click.echo(f"{len(plan.jobs)} jobs run, {plan.up_to_date} up to date")
    for job in plan.jobs:
        click.echo(f"  layer {job.layer}  {job.id:<36} {job.reason}")
    calls = ", ".join(f"{k} {v}" for k, v in sorted(plan.calls_per_provider.items()))
    if calls:
        click.echo(f"calls per provider: {calls}")
    click.echo(f"estimated cost: ${plan.cost_usd:.2f}")


def run_remote_build(context: CliContext, changes: Changes) -> None:
    movie = remote_movie(context)

    def show(event: dict[str, Any]) -> None:
        if context.as_json or event["type"] not in ("job-finished", "job-failed"):
            return
        word = "done  " if event["type"] == "job-finished" else "FAILED"
        click.echo(f"{word} {event['job']}" + (f": {event['message']}" if "message" in event
                                               else ""))

    build = movie.build(changes, on_event=show, budget_usd=context.budget_usd)
    if context.as_json:
        context.echo_json(build.model_dump(mode="json"))
    else:
        ran = ", ".join(f"{k} {v}" for k, v in sorted(build.ran.items())) or "nothing"
        click.echo(f"{build.status}: revision {build.revision}; ran {ran}; reused {build.reused}")
        if build.error:
            click.echo(f"error: {build.error}")
    if build.status in ("interrupted", "cancelled"):
        raise Interrupted(f"build {build.id} was {build.status}", hint="run moviebuild again")
    if build.status == "failed":
        raise ConfigError(build.error or f"build {build.id} failed")
    if build.status != "complete":
        raise BuildIncomplete(build.failed, build.blocked)


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
