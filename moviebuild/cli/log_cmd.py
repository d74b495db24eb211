"""``moviebuild log``: the revisions, newest last, with their calls and failures; ``--json``
prints the ``RevisionEntry`` reports."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli, variant_option
from moviebuild.cli.reports import render_log


@click.command()
@json_option
@variant_option
@pass_cli
def log(context: CliContext) -> None:
    """Revisions with their time, calls and failures."""
    entries = context.open_movie().log()
    if context.as_json:
        context.echo_json([entry.model_dump(mode="json") for entry in entries])
    elif entries:
        click.echo(render_log(entries))
