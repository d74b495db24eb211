"""``moviebuild reset PATH|ID``: hand a pinned slot back to the generator."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, pass_cli, variant_option


@click.command()
@click.argument("target")
@variant_option
@pass_cli
def reset(context: CliContext, target: str) -> None:
    """Hand a pinned slot back to the generator: a prompts/ PATH or an artifact ID."""
    from moviebuild.project.own_media import remove_named_file
    from moviebuild.project.prompts import reset_slots

    # Your own media file first, without opening the movie: a broken one keeps it from opening.
    done = remove_named_file(context.folder, target)
    if not done:
        movie = context.open_movie()
        done = reset_slots(movie.folder, movie.graph, target)
    if not done:
        click.echo(f"{target}: nothing is pinned there")
        return
    click.echo(f"reset {', '.join(done)}; the next build uses the generator's output again")
