"""Build progress for people: a live rich table on a terminal, plain lines otherwise, nothing
with ``--json``. Fed by the build's events; the table starts with the first event, so a build
with nothing to do draws nothing."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from types import TracebackType
from typing import Any

import click

from moviebuild.engine.events import BuildEvent, EventKind

_COLUMNS = ("done", "running", "waiting", "failed", "retries", "reused")
_PLAIN_KINDS = (EventKind.FINISHED, EventKind.FAILED, EventKind.RETRYING, EventKind.BLOCKED)


class Progress:
    """Counts per producer: done, running, waiting, failed, retries; renders them for people."""

    def __init__(self, plain: bool, quiet: bool) -> None:
        self.plain = plain
        self.quiet = quiet
        self.started = time.monotonic()
        self.state: dict[str, Counter[str]] = defaultdict(Counter)
        self.live: Any = None

    def __call__(self, event: BuildEvent) -> None:
        self._count(event)
        if self.quiet:
            return
        if self.plain:
            if event.kind in _PLAIN_KINDS:
                detail = f": {event.message}" if event.message else ""
                click.echo(
                    f"[{self.elapsed_s():6.1f}s] {event.kind.value:<8} {event.job_id}{detail}"
                )
            return
        if self.live is None:
            from rich.live import Live

            self.live = Live(self.table(), refresh_per_second=4, transient=False)
            self.live.start()
        self.live.update(self.table())

    def _count(self, event: BuildEvent) -> None:
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

    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    def table(self) -> Any:
        from rich.table import Table

        table = Table(title=f"moviebuild  {self.elapsed_s():.0f} s", title_justify="left")
        for column in ("producer", *_COLUMNS):
            table.add_column(column, justify="left" if column == "producer" else "right")
        for producer, counts in sorted(self.state.items()):
            table.add_row(producer, *(str(max(0, counts[c])) for c in _COLUMNS))
        return table

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.live is not None:
            self.live.update(self.table())
            self.live.stop()
