"""``moviebuild status``: what is current, stale, failed, blocked and pinned; ``--json`` prints
the ``MovieState`` document (the same the Python and HTTP APIs answer)."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli, variant_option


@click.command()
@json_option
@variant_option
@pass_cli
def status(context: CliContext) -> None:
    """What is current, stale, failed, pinned by your edits and yours (your own media)."""
    if context.server:
        from moviebuild.cli.remote import show_remote_status

        show_remote_status(context)
        return
    from moviebuild.project.inspect import pinned_slots

    movie = context.open_movie()
    state = movie.state()
    if context.as_json:
        context.echo_json(state.model_dump(mode="json"))
        return
    counts: dict[str, int] = {}
    for job in state.jobs:
        counts[job.status] = counts.get(job.status, 0) + 1
    pinned = pinned_slots(movie)
    where = f"revision {state.revision} ({state.status})" if state.revision else "not built yet"
    click.echo(
        f"{where}: {counts.get('current', 0)} current, {counts.get('stale', 0)} stale, "
        f"{counts.get('failed', 0)} failed, {counts.get('blocked', 0)} blocked, "
        f"{len(pinned)} pinned" + (f", {len(state.own_media)} yours" if state.own_media else "")
    )
    for job in state.jobs:
        if job.status == "stale":
            click.echo(f"  stale   {job.id}: {job.reason}")
    for error in state.errors:
        if error.kind == "blocked-by":
            click.echo(f"  blocked {error.job} by {', '.join(error.blocked_by)}")
        else:
            click.echo(f"  failed  {error.job} ({error.kind}): {error.message}")
            if error.hint:
                click.echo(f"          hint: {error.hint}")
    for entry in pinned:
        note = (
            f"; the generator now proposes something else (`moviebuild reset {entry['file']}` "
            "takes it)"
            if entry["generator_changed"]
            else ""
        )
        click.echo(f"  pinned  {entry['id']} by your edit in {entry['file']}{note}")
    for media in state.own_media:
        click.echo(
            f"  yours   {media.id} is your {media.kind} {media.file} "
            f"(`moviebuild reset {media.file}` hands it back)"
        )
    if state.cost.estimated_usd:
        click.echo(f"building now would cost about ${state.cost.estimated_usd:.2f}")
    if state.cost.total_spent_usd:
        click.echo(f"spent on this movie: ${state.cost.total_spent_usd:.4f} over every revision "
                   "(`moviebuild cost` itemises it)")
    if state.cost.budget:
        click.echo(state.cost.budget)
