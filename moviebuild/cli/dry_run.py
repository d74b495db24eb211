"""``moviebuild --dry-run``: the plan grouped by Kahn layer and producer, with reasons, calls per
provider, the critical path and the cost. ``--json`` prints the plan's data and nothing else."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import click

from moviebuild.cli.context import CliContext
from moviebuild.engine.plan import Plan
from moviebuild.project.changes import Changes
from moviebuild.project.cost import check_budget, plan_cost_usd
from moviebuild.project.inspect import missing_keys
from moviebuild.project.movie import Movie


def plan_document(movie: Movie, plan: Plan) -> dict[str, Any]:
    """The dry run's data: the plan, its cost per provider, and providers missing a key."""
    costs = plan_cost_usd(plan, movie.moviefile)
    data = plan.to_json()
    data["cost_usd"] = round(sum(costs.values()), 4)
    data["cost_per_provider_usd"] = {k: round(v, 4) for k, v in sorted(costs.items())}
    data["missing_keys"] = missing_keys(plan)
    return data


def show_plan(context: CliContext, changes: Changes) -> None:
    movie = context.open_movie()
    plan = movie.plan(changes)
    costs = plan_cost_usd(plan, movie.moviefile)
    if context.as_json:
        context.echo_json(plan_document(movie, plan))
    else:
        click.echo(render_plan(movie, plan, costs))
    check_budget(costs, context.budget_usd)


def render_plan(movie: Movie, plan: Plan, costs: dict[str, float]) -> str:
    moviefile = movie.moviefile
    to_run = plan.to_run()
    reused = len(plan.jobs) - len(to_run)
    lines = [
        f'Plan for "{moviefile.inquiry}" ({moviefile.duration} s, '
        f"{moviefile.segment_count} segments): {len(to_run)} of {len(plan.jobs)} jobs run, "
        f"{reused} up to date",
    ]
    by_layer: dict[int, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for planned in to_run:
        by_layer[planned.layer][planned.job.producer][str(planned.reason)] += 1
    for layer in sorted(by_layer):
        lines.append(f"layer {layer}")
        for producer, reasons in sorted(by_layer[layer].items()):
            total = sum(reasons.values())
            why = ", ".join(
                f"{reason} x{count}" if count > 1 else reason
                for reason, count in sorted(reasons.items())
            )
            lines.append(f"  {producer:<28} {total:>4}  {why}")
    if not to_run:
        lines.append("nothing to do: every job is up to date")
    calls = plan.calls_per_provider()
    if calls:
        lines.append(
            "calls per provider: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
        )
    lines.append(f"critical path: {plan.critical_path_s():.0f} s at nominal latencies")
    cost_usd = sum(costs.values(), 0.0)
    detail = ", ".join(f"{k} ${v:.2f}" for k, v in sorted(costs.items()))
    lines.append(f"estimated cost: ${cost_usd:.2f}" + (f" ({detail})" if detail else ""))
    for warning in missing_keys(plan):
        lines.append(f"warning: {warning}")
    return "\n".join(lines)
