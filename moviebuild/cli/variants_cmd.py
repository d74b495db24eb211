"""``moviebuild --all-variants [--dry-run]``: the base movie, then every variant of the
Moviefile in the order written, each into its own folder; ``--json`` prints one list of reports
(each naming its ``variant``). The first build that does not finish stops the run with its exit
code; what was built before it is kept."""

from __future__ import annotations

import dataclasses
import sys

import click

from moviebuild.cli.context import CliContext
from moviebuild.project.changes import Changes


def run_all_variants(context: CliContext, changes: Changes, *, dry_run: bool) -> None:
    from moviebuild.cli.build_cmd import print_build, raise_unfinished, stop_on_signals
    from moviebuild.cli.dry_run import print_plan
    from moviebuild.cli.progress import Progress
    from moviebuild.project.variant import variant_names

    names: list[str | None] = [None, *variant_names(context.folder)]
    reports = []
    for name in names:
        one = dataclasses.replace(context, variant=name)
        movie = one.open_movie()
        if not context.as_json:
            click.echo(_heading(name))
        if dry_run:
            plan = movie.plan(changes)
            reports.append(plan.model_dump(mode="json"))
            if not context.as_json:
                print_plan(one, plan)
            continue
        progress = Progress(plain=context.as_json or not sys.stdout.isatty(), quiet=context.as_json)
        with stop_on_signals() as stop, progress:
            report = movie.build(
                changes, on_event=progress, budget_usd=context.budget_usd, stop=stop
            )
        reports.append(report.model_dump(mode="json"))
        if not context.as_json:
            print_build(one, report, progress.elapsed_s())
        elif report.interrupted or not report.complete:
            context.echo_json(reports)
            raise_unfinished(report)
    if context.as_json:
        context.echo_json(reports)


def _heading(name: str | None) -> str:
    if name is None:
        return "== the base movie (out/, prompts/) =="
    return f"== variant {name} (variants/{name}/out/, variants/{name}/prompts/) =="
