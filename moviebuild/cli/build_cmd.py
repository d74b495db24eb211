"""``moviebuild`` / ``moviebuild build``: build with progress, then the ``BuildReport`` rendered;
``--json`` prints only the report. Ctrl-C stops new calls and exits 130; failed jobs exit 1."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from moviebuild.cli.context import CliContext, json_option, pass_cli, variant_option
from moviebuild.cli.reports import render_build
from moviebuild.errors import BuildIncomplete, ConfigError, Interrupted
from moviebuild.project.changes import Changes
from moviebuild.project.reports import BuildReport


def _split(option: str, assignment: str, form: str, example: str) -> tuple[str, str]:
    """One ``option ID=VALUE`` as (ID, VALUE); ``form`` and ``example`` for the error."""
    name, equals, value = assignment.partition("=")
    if not equals:
        raise ConfigError(
            f"{option} {assignment!r} needs {form}", hint=f"e.g. {option} '{example}'"
        )
    return name.strip(), value


def parse_assignments(assignments: tuple[str, ...]) -> dict[str, str]:
    """``--set ID=TEXT`` options as an override map."""
    return dict(
        _split("--set", a, "ID=TEXT", "SegmentNarration[2]=New words") for a in assignments
    )


def parse_file_assignments(assignments: tuple[str, ...]) -> dict[str, Path | str | bytes | None]:
    """``--set-file ID=PATH`` options as a files map (``ID=`` hands the slot back)."""
    files: dict[str, Path | str | bytes | None] = {}
    for assignment in assignments:
        name, value = _split("--set-file", assignment, "ID=PATH", "SegmentImage[3][2]=photo.jpg")
        files[name] = Path(value).expanduser() if value.strip() else None
    return files


def changes_from_options(
    assignments: tuple[str, ...], file_assignments: tuple[str, ...]
) -> Changes:
    return Changes(
        overrides=parse_assignments(assignments), files=parse_file_assignments(file_assignments)
    )


def set_file_option(function: Any) -> Any:
    return click.option(
        "--set-file",
        "file_assignments",
        multiple=True,
        metavar="ID=PATH",
        help="Put your own file in a media slot, e.g. 'SegmentImage[3][2]=photo.jpg' (kept "
        "under prompts/; 'ID=' hands the slot back).",
    )(function)


#: Seconds a build may take to stop after Ctrl-C or SIGTERM (MOVIEBUILD_STOP_GRACE_S).
STOP_GRACE_S = 10.0


def stop_grace_s() -> float:
    text = os.environ.get("MOVIEBUILD_STOP_GRACE_S", "").strip()
    try:
        value = float(text) if text else STOP_GRACE_S
    except ValueError:
        raise ConfigError(f"MOVIEBUILD_STOP_GRACE_S={text!r} is not a number of seconds") from None
    return value if 0 <= value < float("inf") else STOP_GRACE_S


def _exit_now(why: str) -> None:
    """Leave at once, the way a kill would: the journal keeps every finished job, a temp file
    or the lock left behind is cleaned up or taken over by the next build."""
    sys.stderr.write(
        f"error: {why}; exited without waiting\n"
        "hint: finished work is kept in the journal; run moviebuild again to continue\n"
    )
    sys.stderr.flush()
    os._exit(130)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM while the block runs (the build then stops new calls).

    The build has ``MOVIEBUILD_STOP_GRACE_S`` (10 s) to stop; a build still waiting then (on a
    store or a server that does not answer) exits 130 anyway, as does a second signal.
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    grace_s = stop_grace_s()
    timers: list[threading.Timer] = []

    def handle(_signum: int, _frame: Any) -> None:
        if stop.is_set():
            _exit_now("stopped again before the build had stopped")
        stop.set()
        timer = threading.Timer(
            grace_s, _exit_now, (f"the build did not stop within {grace_s:g} s of the signal",)
        )
        timer.daemon = True
        timer.start()
        timers.append(timer)

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for timer in timers:
            timer.cancel()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_build(context: CliContext, changes: Changes) -> BuildReport:
    """Build, print progress and the summary; raises the exit-code exceptions when unfinished."""
    movie = context.open_movie()
    # Here, not at the top: a dry run parses its options with this module and shows no progress.
    from moviebuild.cli.progress import Progress

    progress = Progress(plain=context.as_json or not sys.stdout.isatty(), quiet=context.as_json)
    with stop_on_signals() as stop, progress:
        report = movie.build(
            changes, on_event=progress, budget_usd=context.budget_usd, stop=stop
        )
    print_build(context, report, progress.elapsed_s())
    return report


def print_build(context: CliContext, report: BuildReport, elapsed_s: float | None) -> None:
    """Print ``report`` (from a local movie or a server); raises the exit-code exceptions when
    the build did not finish."""
    if context.as_json:
        context.echo_json(report.model_dump(mode="json"))
    else:
        click.echo(render_build(report, elapsed_s))
    raise_unfinished(report)


def raise_unfinished(report: BuildReport) -> None:
    """The exit-code exception of a build that did not finish (nothing for a complete one)."""
    if report.interrupted:
        raise Interrupted(
            "stopped by Ctrl-C; finished work is kept", hint="run moviebuild again to continue"
        )
    if not report.complete:
        budget = report.cost.budget
        raise BuildIncomplete(
            [job.id for job in report.failed()], [job.id for job in report.blocked()],
            budget=budget.message if budget else None,
        )


@click.command("build")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="ID=TEXT",
    help="Override a text artifact, e.g. 'SegmentImagePrompt[3][2]=a red lighthouse'.",
)
@set_file_option
@json_option
@variant_option
@pass_cli
def build(
    context: CliContext, assignments: tuple[str, ...], file_assignments: tuple[str, ...]
) -> None:
    """Build the movie, with optional overrides and files (kept under prompts/)."""
    run_build(context, changes_from_options(assignments, file_assignments))
