"""Build events: what the scheduler tells progress displays, the API and the journal-free
observers. Plain frozen data; the scheduler never formats text for people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from moviebuild.graph import NodeId


class EventKind(StrEnum):
    WAITING = "waiting"
    STARTED = "started"
    RETRYING = "retrying"
    FINISHED = "finished"
    REUSED = "reused"
    SKIPPED = "skipped"
    FAILED = "failed"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class BuildEvent:
    kind: EventKind
    job_id: NodeId
    producer: str
    message: str | None = None
    attempt: int = 0
    retry_in_s: float | None = None


EventSink = Callable[[BuildEvent], None]


def ignore_events(event: BuildEvent) -> None:
    """An EventSink that drops everything."""
