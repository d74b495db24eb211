"""``moviebuild reset PATH|ID``: hand a pinned slot back to the generator."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, pass_cli


@click.command()
@click.argument("target")
@pass_cli
def reset(context: CliContext, target: str) -> None:
    """Hand a pinned slot back to the generator: a prompts/ PATH or an artifact ID."""
    from moviebuild.project.prompts import reset_slots

    done = reset_slots(context.open_movie(), target)
    if not done:
        click.echo(f"{target}: nothing is pinned there")
        return
    click.echo(f"reset {', '.join(done)}; the next build uses the generator's output again")
