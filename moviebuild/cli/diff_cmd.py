"""``moviebuild diff R1 R2``: inputs, edits and artifacts that differ between two revisions."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli


@click.command()
@click.argument("first")
@click.argument("second")
@json_option
@pass_cli
def diff(context: CliContext, first: str, second: str) -> None:
    """Inputs and artifacts that differ between two revisions (r3 r4, or 3 4)."""
    from moviebuild.project.history import diff_revisions

    result = diff_revisions(context.open_movie(), first, second)
    if context.as_json:
        context.echo_json(result)
        return
    for name, change in result["inputs"].items():
        click.echo(f"input    {name}: {change['old']!r} -> {change['new']!r}")
    for name, change in result["overrides"].items():
        click.echo(f"edit     {name}: {change['old']!r} -> {change['new']!r}")
    for name, change in result["artifacts"].items():
        click.echo(f"artifact {name}: {change['old'] or '-'} -> {change['new'] or '-'}")
    if not any(result[k] for k in ("inputs", "overrides", "artifacts")):
        click.echo(f"r{result['from']} and r{result['to']} are the same")
