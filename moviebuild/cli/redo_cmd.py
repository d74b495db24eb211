"""``moviebuild redo ID...``: a new take of those jobs; dependents follow only if output differs.
A redo builds the folder as it is, so edits not built yet are built too: it says so first."""

from __future__ import annotations

from collections import Counter

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli, variant_option
from moviebuild.project.reports import PlanReport


def pending_note(pending: PlanReport) -> str | None:
    """What a build would run without the redo, in one line; None when nothing is pending."""
    if not pending.jobs:
        return None
    reasons = Counter(job.why() for job in pending.jobs)
    shown = ", ".join(
        f"{why} x{count}" if count > 1 else why for why, count in sorted(reasons.items())[:4]
    )
    more = ", ..." if len(reasons) > 4 else ""
    count = len(pending.jobs)
    return (
        f"redo also builds what is pending: {count} job{'s' if count != 1 else ''} "
        f"({shown}{more}); `moviebuild --dry-run` lists them"
    )


@click.command()
@click.argument("ids", nargs=-1, required=True)
@json_option
@variant_option
@pass_cli
def redo(context: CliContext, ids: tuple[str, ...]) -> None:
    """A new take of these jobs only (job or artifact ids); dependents follow if output differs.
    Edits not built yet are built too (redo says so first)."""
    from moviebuild.cli.build_cmd import run_build
    from moviebuild.project.changes import Changes

    note = pending_note(context.open_movie().plan())
    if note is not None:
        click.echo(note, err=True)
    run_build(context, Changes(redo=list(ids)))
