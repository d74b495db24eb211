"""``moviebuild redo ID...``: a new take of those jobs; dependents follow only if output differs."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli


@click.command()
@click.argument("ids", nargs=-1, required=True)
@json_option
@pass_cli
def redo(context: CliContext, ids: tuple[str, ...]) -> None:
    """A new take of these jobs only (job or artifact ids); dependents follow if output differs."""
    from moviebuild.cli.build_cmd import run_build
    from moviebuild.project.changes import Changes

    run_build(context, Changes(redo=list(ids)))
