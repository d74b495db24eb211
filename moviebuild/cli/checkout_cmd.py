"""``moviebuild checkout R``: make an earlier revision current again, calling nothing."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, pass_cli, variant_option


@click.command()
@click.argument("revision")
@click.option("--force", is_flag=True, help="Discard edits that no revision has built.")
@variant_option
@pass_cli
def checkout(context: CliContext, revision: str, force: bool) -> None:
    """Make REVISION (r3, or 3) current again: Moviefile, prompts/ and out/ as they were."""
    from moviebuild.project.history import parse_revision

    number = parse_revision(revision)
    context.open_movie().checkout(number, force=force)
    click.echo(f"r{number} is current; Moviefile.yaml, prompts/ and out/ match it")
