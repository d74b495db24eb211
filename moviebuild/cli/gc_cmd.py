"""``moviebuild gc``: remove stored media that no revision references."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli


@click.command()
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.option("--keep-revisions", type=int, metavar="N",
              help="Keep the media of the newest N revisions (and the current one) only; older "
              "revisions stay in the log but their media may be removed.")
@json_option
@pass_cli
def gc(context: CliContext, dry_run: bool, keep_revisions: int | None) -> None:
    """Remove stored blobs that no revision references (or no kept revision, with
    --keep-revisions)."""
    from moviebuild.project.history import collect_garbage

    result = collect_garbage(context.open_movie(), dry_run=dry_run,
                             keep_revisions=keep_revisions)
    if context.as_json:
        context.echo_json(result)
        return
    verb = "would remove" if dry_run else "removed"
    paid = (f", {result['paid_blobs']} of them paid media that cost ${result['paid_usd']:.2f}"
            if result["paid_blobs"] else "")
    click.echo(f"{verb} {result['unreferenced']} blobs ({result['bytes'] / 1e6:.1f} MB){paid}")
