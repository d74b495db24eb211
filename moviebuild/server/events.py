"""Per-movie event logs for Server-Sent Events: job started/finished/failed/retrying/blocked and
build started/finished (the ``BuildEvent`` union's ``model_dump``), each with an id that counts up
per movie. Every event is appended to the
movie's ``events.jsonl`` before any client sees it, so a client reconnecting with
``Last-Event-ID`` (even after a restart or a SIGKILL) gets each event it missed exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moviebuild.project.events import BuildEvent

#: Build events worth streaming (the rest, e.g. reused or waiting, are noise for a client).
STREAMED = frozenset({"job-started", "job-finished", "job-failed", "job-retrying", "job-blocked"})


@dataclass(frozen=True)
class StreamEvent:
    id: int
    type: str
    data: dict[str, Any]

    def to_sse(self) -> bytes:
        payload = json.dumps({"id": self.id, "type": self.type, **self.data})
        return f"id: {self.id}\nevent: {self.type}\ndata: {payload}\n\n".encode()


def stream_data(event: BuildEvent, build_id: str) -> dict[str, Any]:
    """The ``data`` of ``event`` in a stream of ``build_id`` (its ``type`` and ``id`` are the
    stream's own)."""
    data = event.model_copy(update={"build": build_id}).model_dump(mode="json", exclude_none=True)
    data.pop("type", None)
    data.pop("id", None)
    return data


class EventLog:
    """The events of one movie: the file, a copy in memory, and a wake-up for streams.

    Builds may append from another thread (the backend's build loop); streams wait on ``home``,
    the server's loop, and are woken there."""

    def __init__(self, path: Path, home: Callable[[], asyncio.AbstractEventLoop | None]) -> None:
        self.path = path
        self.events: list[StreamEvent] = []
        self._home = home
        self._changed = asyncio.Event()
        self._lock = threading.Lock()
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
        with self._lock:
            event = StreamEvent(self.last_id + 1, kind, data)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            line = json.dumps({"id": event.id, "type": kind, "data": data}) + "\n"
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)
                file.flush()
            self.events.append(event)
        self.wake()
        return event

    def wake(self) -> None:
        """Wake the streams waiting on this log (from any thread)."""
        home = self._home()
        if home is None or home.is_closed():
            return
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is home:
            self._fire()
        else:
            with contextlib.suppress(RuntimeError):  # the server's loop just closed
                home.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

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
    """One ``EventLog`` per movie, opened on first use. ``home`` is the server's event loop,
    where streams wait (set when the application starts)."""

    def __init__(self) -> None:
        self._logs: dict[Path, EventLog] = {}
        self._lock = threading.Lock()
        self.home: asyncio.AbstractEventLoop | None = None

    def for_folder(self, records_folder: Path) -> EventLog:
        with self._lock:
            log = self._logs.get(records_folder)
            if log is None:
                log = EventLog(records_folder / "events.jsonl", lambda: self.home)
                self._logs[records_folder] = log
            return log

    def wake_all(self) -> None:
        """Wake every waiting stream (the server is stopping; streams then end)."""
        with self._lock:
            logs = list(self._logs.values())
        for log in logs:
            log.wake()

    def forget(self, records_folder: Path) -> None:
        with self._lock:
            self._logs.pop(records_folder, None)
