"""``moviebuild`` / ``moviebuild build``: build with progress, then a summary; ``--json`` prints
only the summary. Ctrl-C stops new calls and exits 130; failed jobs exit 1."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli
from moviebuild.cli.progress import Progress
from moviebuild.errors import BuildIncomplete, ConfigError, Interrupted
from moviebuild.project.changes import Changes
from moviebuild.project.result import BuildResult


def parse_assignments(assignments: tuple[str, ...]) -> dict[str, str]:
    """``--set ID=TEXT`` options as an override map."""
    overrides = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        if not equals:
            raise ConfigError(
                f"--set {assignment!r} needs ID=TEXT",
                hint="e.g. --set 'SegmentNarration[2]=New words'",
            )
        overrides[name.strip()] = value
    return overrides


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM while the block runs (the build then stops new calls)."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_build(context: CliContext, changes: Changes) -> BuildResult:
    """Build, print progress and the summary; raises the exit-code exceptions when unfinished."""
    movie = context.open_movie()
    progress = Progress(plain=context.as_json or not sys.stdout.isatty(), quiet=context.as_json)
    with stop_on_signals() as stop, progress:
        result = movie.build(
            changes, on_event=progress, budget_usd=context.budget_usd, stop=stop
        )
    if context.as_json:
        context.echo_json(result.summary())
    else:
        print_summary(result, progress.elapsed_s())
    if result.interrupted:
        raise Interrupted(
            "stopped by Ctrl-C; finished work is kept", hint="run moviebuild again to continue"
        )
    if not result.complete:
        raise BuildIncomplete([str(o.job_id) for o in result.failed()], map(str, result.blocked()),
                              budget=str(result.budget) if result.budget else None)
    return result


def print_summary(result: BuildResult, elapsed_s: float) -> None:
    for message in result.messages:
        click.echo(message)
    ran = result.ran()
    what = ", ".join(f"{name} {count}" for name, count in sorted(ran.items())) or "nothing"
    state = {"interrupted": "interrupted", "complete": "built"}.get(result.status, "incomplete")
    click.echo(
        f"{state}: revision {result.revision} in {elapsed_s:.1f} s; ran {what}; "
        f"reused {result.reused()} ({sum(ran.values())} jobs)"
    )
    if result.costs:
        estimated = sum(c.estimated_usd for c in result.costs.values())
        click.echo(
            f"cost: billed ${result.cost_usd:.4f}, estimated ${estimated:.4f} "
            f"(difference ${result.cost_usd - estimated:+.4f}); reuse saved "
            f"${result.saved_usd:.4f}; prices of {result.price_table}"
        )
        if len(result.costs) > 1:
            for name, cost in result.costs.items():
                click.echo(f"  {name}: billed ${cost.billed_usd:.4f}, estimated "
                           f"${cost.estimated_usd:.4f}, saved ${cost.saved_usd:.4f}")
    for failed in result.failed():
        kind = "retryable" if failed.retryable else "needs attention"
        click.echo(f"  failed {failed.job_id} ({kind}): {failed.error}")
        if failed.hint:
            click.echo(f"    hint: {failed.hint}")
    if result.blocked():
        click.echo(f"  blocked: {', '.join(map(str, result.blocked()))}")
    if result.timeline_path:
        click.echo(f"timeline: {result.timeline_path}")


@click.command("build")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="ID=TEXT",
    help="Override a text artifact, e.g. 'SegmentImagePrompt[3][2]=a red lighthouse'.",
)
@json_option
@pass_cli
def build(context: CliContext, assignments: tuple[str, ...]) -> None:
    """Build the movie, with optional overrides (kept as edits under prompts/)."""
    run_build(context, Changes(overrides=parse_assignments(assignments)))
