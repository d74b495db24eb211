"""``moviebuild log``: the revisions, newest last, with their calls and failures."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli


@click.command()
@json_option
@pass_cli
def log(context: CliContext) -> None:
    """Revisions with their time, calls and failures."""
    entries = context.open_movie().log()
    if context.as_json:
        context.echo_json([entry.to_json() for entry in entries])
        return
    for entry in entries:
        mark = "*" if entry.current else " "
        extra = " interrupted" if entry.interrupted else ""
        click.echo(
            f"{mark} {entry.name:<5} {entry.created}  {entry.calls:>3} calls  "
            f"{entry.reused:>3} reused  {entry.failed} failed  {entry.blocked} blocked  "
            f"${entry.cost_usd:.2f}{extra}"
        )
