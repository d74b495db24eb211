"""``moviebuild cost``: what each revision spent, per provider and per producer."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli


@click.command()
@click.option("--since", metavar="REV", help="Only revisions from this one on (e.g. r3).")
@json_option
@pass_cli
def cost(context: CliContext, since: str | None) -> None:
    """Spending per revision: estimated, billed (as the providers reported it) and saved."""
    from moviebuild.project.history import parse_revision
    from moviebuild.project.spent import movie_spending
    from moviebuild.providers.prices import PRICE_TABLE_VERSION

    report = movie_spending(context.open_movie(), parse_revision(since) if since else None)
    if context.as_json:
        context.echo_json(report.to_json())
        return
    for entry in report.revisions:
        estimated = sum(c.estimated_usd for c in entry.costs.values())
        saved = sum(c.saved_usd for c in entry.costs.values())
        click.echo(f"r{entry.revision:<4} {entry.created}  billed ${entry.billed_usd:.4f}  "
                   f"estimated ${estimated:.4f}  saved ${saved:.4f}")
        for name, figures in entry.costs.items():
            click.echo(f"    {name:<11} billed ${figures.billed_usd:.4f}  estimated "
                       f"${figures.estimated_usd:.4f}  saved ${figures.saved_usd:.4f}")
        for producer, billed in entry.producers.items():
            click.echo(f"    {producer:<28} ${billed:.4f}")
        if entry.budget is not None:
            click.echo(f"    {entry.budget}")
    click.echo(f"total billed: ${report.total_usd:.4f} (prices of {PRICE_TABLE_VERSION})")
