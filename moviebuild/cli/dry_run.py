"""``moviebuild --dry-run``: the ``PlanReport`` rendered for people (jobs by Kahn layer and
producer with reasons, calls per provider, the critical path and the cost), or with ``--json``
the report itself and nothing else."""

from __future__ import annotations

import click

from moviebuild.cli.context import CliContext
from moviebuild.cli.reports import render_plan
from moviebuild.project.changes import Changes
from moviebuild.project.cost import check_budget
from moviebuild.project.reports import PlanReport


def show_plan(context: CliContext, changes: Changes) -> None:
    print_plan(context, context.open_movie().plan(changes))


def print_plan(context: CliContext, plan: PlanReport) -> None:
    """Print ``plan`` (from a local movie or a server), then hold it to ``--budget``."""
    if context.as_json:
        context.echo_json(plan.model_dump(mode="json"))
    else:
        click.echo(render_plan(plan))
    check_budget(plan.cost.estimate_usd, context.budget_usd)
