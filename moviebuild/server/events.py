"""Per-movie event logs for Server-Sent Events: job started/finished/failed/retrying/blocked and
build started/finished, each with an id that counts up per movie. Every event is appended to the
movie's ``events.jsonl`` before any client sees it, so a client reconnecting with
``Last-Event-ID`` (even after a restart or a SIGKILL) gets each event it missed exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moviebuild.engine.events import BuildEvent, EventKind

#: Build events worth streaming (the rest, e.g. reused or waiting, are noise for a client).
STREAMED = {
    EventKind.STARTED: "job-started",
    EventKind.FINISHED: "job-finished",
    EventKind.FAILED: "job-failed",
    EventKind.RETRYING: "job-retrying",
    EventKind.BLOCKED: "job-blocked",
}


@dataclass(frozen=True)
class StreamEvent:
    id: int
    type: str
    data: dict[str, Any]

    def to_sse(self) -> bytes:
        payload = json.dumps({"id": self.id, "type": self.type, **self.data})
        return f"id: {self.id}\nevent: {self.type}\ndata: {payload}\n\n".encode()


def job_event_data(build_id: str, event: BuildEvent) -> dict[str, Any] | None:
    """The streamed form of a scheduler event, or None for kinds that are not streamed."""
    if event.kind not in STREAMED:
        return None
    data: dict[str, Any] = {"build": build_id, "job": str(event.job_id), "producer": event.producer}
    if event.message:
        data["message"] = event.message
    if event.attempt:
        data["attempt"] = event.attempt
    if event.retry_in_s is not None:
        data["retry_in_s"] = round(event.retry_in_s, 3)
    return data


class EventLog:
    """The events of one movie: the file, a copy in memory, and a wake-up for streams."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: list[StreamEvent] = []
        self._changed = asyncio.Event()
        self._load()

    def _load(self) -> None:
        if not self.path.is_file():
            return
        good_bytes = 0
        with self.path.open("rb") as file:
            for line in file:
                if not line.endswith(b"\n"):
                    break  # a line torn by a kill: dropped, and cut off below
                try:
                    record = json.loads(line)
                    event = StreamEvent(int(record["id"]), str(record["type"]), record["data"])
                except (ValueError, KeyError, TypeError):
                    break
                self.events.append(event)
                good_bytes += len(line)
        if good_bytes != self.path.stat().st_size:
            os.truncate(self.path, good_bytes)

    @property
    def last_id(self) -> int:
        return self.events[-1].id if self.events else 0

    def append(self, kind: str, data: dict[str, Any]) -> StreamEvent:
        event = StreamEvent(self.last_id + 1, kind, data)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"id": event.id, "type": kind, "data": data}) + "\n"
        with self.path.open("a", encoding="utf-8") as file:
            file.write(line)
            file.flush()
        self.events.append(event)
        self._changed.set()
        self._changed = asyncio.Event()
        return event

    def after(self, last_id: int) -> list[StreamEvent]:
        """Events with an id above ``last_id``, oldest first."""
        if last_id <= 0:
            return list(self.events)
        # ids count up from 1 without gaps, so the position is the id.
        return self.events[last_id:] if last_id < len(self.events) else []

    async def wait(self, timeout_s: float) -> None:
        """Until the next append, or ``timeout_s``."""
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout_s)


class EventLogs:
    """One ``EventLog`` per movie, opened on first use."""

    def __init__(self) -> None:
        self._logs: dict[Path, EventLog] = {}

    def for_folder(self, records_folder: Path) -> EventLog:
        log = self._logs.get(records_folder)
        if log is None:
            log = self._logs[records_folder] = EventLog(records_folder / "events.jsonl")
        return log

    def wake_all(self) -> None:
        """Wake every waiting stream (the server is stopping; streams then end)."""
        for log in self._logs.values():
            log._changed.set()

    def forget(self, records_folder: Path) -> None:
        self._logs.pop(records_folder, None)
