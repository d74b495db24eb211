"""Build progress for people: a live rich table on a terminal (per producer: done, running,
waiting, failed, and the time since its first job started), plain lines otherwise (each job as
it starts and ends, so a long call is never silent), nothing with ``--json``. Fed by the
build's events; the table starts with the first event, so a build with nothing to do draws
nothing."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from types import TracebackType
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from moviebuild.project.events import BuildEvent, JobEvent

_COLUMNS = ("done", "running", "waiting", "failed", "retries", "reused")
_PLAIN = ("job-started", "job-finished", "job-failed", "job-retrying", "job-blocked")


class Progress:
    """Counts per producer: done, running, waiting, failed, retries; renders them for people.
    Fed with ``BuildEvent``s, from a local build or a server's stream alike."""

    def __init__(self, plain: bool, quiet: bool) -> None:
        self.plain = plain
        self.quiet = quiet
        self.started = time.monotonic()
        self.state: dict[str, Counter[str]] = defaultdict(Counter)
        self.first_start: dict[str, float] = {}
        self.last_end: dict[str, float] = {}
        self.live: Any = None

    def __call__(self, event: BuildEvent) -> None:
        # Imported at the first event: a build with nothing to do sends none.
        from moviebuild.project.events import BuildFinished, BuildStarted, JobStarted

        if isinstance(event, (BuildStarted, BuildFinished)):
            return
        self._count(event)
        if self.quiet:
            return
        if self.plain:
            first_attempt = not isinstance(event, JobStarted) or event.attempt == 1
            if event.type in _PLAIN and first_attempt:
                message = getattr(event, "message", None)
                detail = f": {message}" if message else ""
                word = event.type.removeprefix("job-")
                click.echo(f"[{self.elapsed_s():6.1f}s] {word:<8} {event.job}{detail}")
            return
        if self.live is None:
            from rich.live import Live

            # Redrawn four times a second from the state, so elapsed times move while calls run.
            self.live = Live(get_renderable=self.table, refresh_per_second=4, transient=False)
            self.live.start()

    def _count(self, event: JobEvent) -> None:
        from moviebuild.project.events import (
            JobBlocked,
            JobFailed,
            JobFinished,
            JobRetrying,
            JobReused,
            JobSkipped,
            JobStarted,
            JobWaiting,
        )

        counts = self.state[event.producer]
        if isinstance(event, JobWaiting):
            counts["waiting"] += 1
        elif isinstance(event, JobStarted) and event.attempt == 1:
            counts["waiting"] -= 1
            counts["running"] += 1
            self.first_start.setdefault(event.producer, time.monotonic())
        elif isinstance(event, (JobFinished, JobFailed)):
            counts["running"] -= 1
            self.last_end[event.producer] = time.monotonic()
            counts["done" if isinstance(event, JobFinished) else "failed"] += 1
        elif isinstance(event, JobRetrying):
            counts["retries"] += 1
        elif isinstance(event, (JobReused, JobSkipped)):
            counts["reused"] += 1
        elif isinstance(event, JobBlocked):
            counts["blocked"] += 1

    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    def table(self) -> Any:
        from rich.table import Table

        table = Table(title=f"moviebuild  {self.elapsed_s():.0f} s", title_justify="left")
        for column in ("producer", *_COLUMNS, "time"):
            table.add_column(column, justify="left" if column == "producer" else "right")
        for producer, counts in sorted(self.state.items()):
            table.add_row(
                producer, *(str(max(0, counts[c])) for c in _COLUMNS), self.producer_time(producer)
            )
        return table

    def producer_time(self, producer: str) -> str:
        """Seconds since the producer's first job started: to now while some run, else to the
        end of its last; empty before any started."""
        began = self.first_start.get(producer)
        if began is None:
            return ""
        running = self.state[producer]["running"] > 0
        ended = time.monotonic() if running else self.last_end.get(producer, time.monotonic())
        return f"{ended - began:.0f} s"

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.live is not None:
            self.live.refresh()
            self.live.stop()
