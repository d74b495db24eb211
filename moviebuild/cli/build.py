"""``moviebuild``: build with progress (a live rich table on a terminal, plain lines otherwise),
then a summary; ``--json`` prints only the summary. Ctrl-C stops new calls and exits 130."""

from __future__ import annotations

import json
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from moviebuild.engine.events import BuildEvent, EventKind
from moviebuild.graph import NodeId
from moviebuild.project.movie import Movie
from moviebuild.project.result import BuildResult


class Progress:
    """Counts per producer: done, running, waiting, failed, retries; renders them for people."""

    def __init__(self, plain: bool, quiet: bool) -> None:
        self.plain = plain
        self.quiet = quiet
        self.started = time.monotonic()
        self.state: dict[str, Counter[str]] = defaultdict(Counter)
        self.live: Any = None

    def __call__(self, event: BuildEvent) -> None:
        counts = self.state[event.producer]
        kind = event.kind
        if kind is EventKind.WAITING:
            counts["waiting"] += 1
        elif kind is EventKind.STARTED and event.attempt == 1:
            counts["waiting"] -= 1
            counts["running"] += 1
        elif kind in (EventKind.FINISHED, EventKind.FAILED):
            counts["running"] -= 1
            counts["done" if kind is EventKind.FINISHED else "failed"] += 1
        elif kind is EventKind.RETRYING:
            counts["retries"] += 1
        elif kind in (EventKind.REUSED, EventKind.SKIPPED):
            counts["reused"] += 1
        elif kind is EventKind.BLOCKED:
            counts["blocked"] += 1
        if self.quiet:
            return
        if self.plain:
            if kind in (
                EventKind.FINISHED,
                EventKind.FAILED,
                EventKind.RETRYING,
                EventKind.BLOCKED,
            ):
                detail = f": {event.message}" if event.message else ""
                click.echo(f"[{self.elapsed_s():6.1f}s] {kind.value:<8} {event.job_id}{detail}")
        elif self.live is not None:
            self.live.update(self.table())

    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    def table(self) -> Any:
        from rich.table import Table

        table = Table(title=f"moviebuild  {self.elapsed_s():.0f} s", title_justify="left")
        for column in ("producer", "done", "running", "waiting", "failed", "retries", "reused"):
            table.add_column(column, justify="left" if column == "producer" else "right")
        for producer, counts in sorted(self.state.items()):
            table.add_row(
                producer,
                *(
                    str(max(0, counts[c]))
                    for c in ("done", "running", "waiting", "failed", "retries", "reused")
                ),
            )
        return table


def run_build(
    folder: Path,
    *,
    as_json: bool,
    budget: float | None = None,
    redo: Iterable[NodeId] = (),
    movie: Movie | None = None,
) -> int:
    """Build and report; returns the exit code (0 complete, 1 incomplete, 130 interrupted)."""
    movie = movie or Movie.open(folder)
    if budget is not None:
        from moviebuild.cli.dry_run import check_budget
        from moviebuild.project.cost import plan_cost_usd

        check_budget(plan_cost_usd(movie.plan(redo=redo), movie.moviefile), budget)
    plain = as_json or not sys.stdout.isatty()
    progress = Progress(plain=plain, quiet=as_json)
    result = _nothing_to_do(movie, redo)
    if result is None:
        import asyncio

        result = asyncio.run(_build_with_signals(movie, progress, redo))
    from moviebuild.project.export import export_outputs

    exported = export_outputs(movie)
    summary = result.summary(str(exported.timeline) if exported.timeline else None)
    summary["cost_usd"] = round(sum(ran_cost_usd(movie, result).values()), 4)
    summary["notices"] = [*result.messages, *exported.notices]
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        _print_summary(result, summary, progress.elapsed_s())
    if result.interrupted:
        return 130
    return 0 if result.complete else 1


def _nothing_to_do(movie: Movie, redo: Iterable[NodeId]) -> BuildResult | None:
    """The result of a no-op build, found by planning under the lock (no scheduler, no asyncio)."""
    if not movie.store_exists():
        return None
    from moviebuild.project.result import up_to_date_result
    from moviebuild.project.results import StoreResults

    store = movie.open_store()
    with store, store.lock() as lock:
        lookup = StoreResults(store)
        result = up_to_date_result(movie.plan(redo=redo, lookup=lookup), lookup)
        if result is not None and lock.takeover_message:
            result.messages.append(lock.takeover_message)
    return result


async def _build_with_signals(
    movie: Movie, progress: Progress, redo: Iterable[NodeId]
) -> BuildResult:
    import asyncio

    from moviebuild.project.build import build_movie

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        if progress.plain:
            return await build_movie(movie, redo=redo, events=progress, stop=stop)
        from rich.live import Live

        with Live(progress.table(), refresh_per_second=4, transient=False) as live:
            progress.live = live
            return await build_movie(movie, redo=redo, events=progress, stop=stop)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        loop.remove_signal_handler(signal.SIGTERM)


def ran_cost_usd(movie: Movie, result: BuildResult) -> dict[str, float]:
    """Estimated cost of the calls this build made (retries of the same job not counted)."""
    from moviebuild.engine.decide import Action
    from moviebuild.project.cost import jobs_cost_usd

    ran = [
        movie.graph.jobs[o.job_id]
        for o in result.outcomes.values()
        if o.action is Action.RUN and o.job_id in movie.graph.jobs
    ]
    return jobs_cost_usd(ran, movie.moviefile)


def _print_summary(result: BuildResult, summary: dict[str, Any], elapsed_s: float) -> None:
    for message in summary["notices"]:
        click.echo(message)
    ran = summary["ran"]
    calls = sum(ran.values())
    what = ", ".join(f"{name} {count}" for name, count in sorted(ran.items())) or "nothing"
    state = "interrupted" if result.interrupted else "built" if result.complete else "incomplete"
    click.echo(
        f"{state}: revision {summary['revision']} in {elapsed_s:.1f} s; ran {what}; "
        f"reused {summary['reused']} ({calls} jobs, about ${summary['cost_usd']:.2f})"
    )
    for failed in summary["failed"]:
        kind = "retryable" if failed["retryable"] else "needs attention"
        click.echo(f"  failed {failed['id']} ({kind}): {failed['error']}")
        if failed.get("hint"):
            click.echo(f"    hint: {failed['hint']}")
    if summary["blocked"]:
        click.echo(f"  blocked: {', '.join(summary['blocked'])}")
    if summary["timeline"]:
        click.echo(f"timeline: {summary['timeline']}")
    if result.interrupted:
        click.echo("stopped by Ctrl-C; finished work is kept. Run moviebuild again to continue.")
