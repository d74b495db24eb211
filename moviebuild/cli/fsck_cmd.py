"""``moviebuild fsck [--repair]``: check every object, revision, journal, HEAD and the lock of the
movie's store, then ``out/`` against the current revision, and say what was found; ``--repair``
sets damaged files aside so the next build succeeds, and puts back out/ files that differ. It
never creates a store."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli
from moviebuild.errors import StoreError


@click.command()
@click.option("--repair", is_flag=True, help="Set damaged files aside and fix HEAD and the lock.")
@json_option
@pass_cli
def fsck(context: CliContext, repair: bool) -> None:
    """Verify the store: every blob's hash, every revision, journal, HEAD and the lock."""
    from moviebuild.project.export import check_out_folder
    from moviebuild.project.movie import Movie
    from moviebuild.store.fsck import Finding, FindingKind, check_store

    folder = context.folder
    movie = Movie.open(folder)
    if not movie.store_exists():
        raise StoreError(f"{folder} has not been built yet", hint="run `moviebuild` first")
    with movie.open_store() as store:
        report = check_store(store, repair=repair)
        if not report.unrepaired:
            # out/ against the current revision, once the store itself is sound.
            for where, what in check_out_folder(movie, store, repair=repair):
                report.findings.append(Finding(FindingKind.OUT_FILE, where, what, repaired=repair))
    if context.as_json:
        context.echo_json(report.to_json())
    else:
        for finding in report.findings:
            mark = "repaired" if finding.repaired else "note" if not finding.is_problem else "found"
            click.echo(f"{mark:>8}  {finding.kind.value}  {finding.where}: {finding.detail}")
        problems = sum(f.is_problem for f in report.findings)
        click.echo(
            f"checked {report.objects} objects, {report.revisions} revisions, "
            f"{report.journals} journals: {problems} problems, "
            f"{problems - len(report.unrepaired)} repaired"
        )
    if report.unrepaired:
        raise StoreError(
            f"fsck found {len(report.unrepaired)} problems in the store of {folder}",
            hint="run `moviebuild fsck --repair` to set damaged files aside (nothing is deleted)",
        )
