"""``moviebuild checkout R``: make an earlier revision current again, calling nothing."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli, variant_option


@click.command()
@click.argument("revision")
@click.option("--force", is_flag=True, help="Discard edits that no revision has built.")
@variant_option
@json_option
@pass_cli
def checkout(context: CliContext, revision: str, force: bool) -> None:
    """Make REVISION (r3, or 3) current again: Moviefile, prompts/ and out/ as they were."""
    from moviebuild.project.history import parse_revision

    number = parse_revision(revision)
    restored = context.open_movie().checkout(number, force=force)
    if context.as_json:
        context.echo_json(restored.to_json())
        return
    click.echo(f"r{number} is current; Moviefile.yaml, prompts/ and out/ match it")
    if restored.jobs:
        click.echo(f"reused {restored.jobs} paid results that had cost "
                   f"${restored.saved_usd:.4f}: saved, nothing spent")
