"""``moviebuild gc``: remove stored media that no revision references."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli


@click.command()
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@json_option
@pass_cli
def gc(context: CliContext, dry_run: bool) -> None:
    """Remove stored blobs that no revision references."""
    from moviebuild.project.history import collect_garbage

    result = collect_garbage(context.open_movie(), dry_run=dry_run)
    if context.as_json:
        context.echo_json(result)
        return
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {result['unreferenced']} blobs ({result['bytes'] / 1e6:.1f} MB)")
