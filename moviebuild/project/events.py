"""``BuildEvent``: what a build tells whoever follows it, as one typed union (pydantic,
discriminated by ``type``). ``Movie.build(on_event=...)`` calls with these, the server streams
their ``model_dump`` (SSE ``data``), and ``RemoteMovie.build(on_event=...)`` reads them back with
``read_event``: the same classes through every door.

The scheduler's own events (``engine/events.py``) are plain data of the engine; ``from_engine``
turns one into its published form. ``id`` is the stream's event id (a server's; None locally),
``build`` the server's build id.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from moviebuild.engine.events import BuildEvent as EngineEvent
from moviebuild.engine.events import EventKind


class _Event(BaseModel):
    # Each event's validator is built when first used (most commands use few or none).
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    id: int | None = Field(None, description="the event's id in the movie's stream")
    build: str | None = Field(None, description="the server's build id")


class _JobEvent(_Event):
    job: str = Field(description="job id, e.g. AudioProducer[2]")
    producer: str


class JobWaiting(_JobEvent):
    """The job waits for its inputs or for room in its provider's pool."""

    type: Literal["job-waiting"] = "job-waiting"


class JobStarted(_JobEvent):
    """An attempt at the job started (``attempt`` counts from 1)."""

    type: Literal["job-started"] = "job-started"
    attempt: int = 1


class JobRetrying(_JobEvent):
    """An attempt failed transiently; the next starts in ``retry_in_s``."""

    type: Literal["job-retrying"] = "job-retrying"
    attempt: int = 1
    retry_in_s: float | None = None
    message: str | None = None


class JobFinished(_JobEvent):
    type: Literal["job-finished"] = "job-finished"


class JobReused(_JobEvent):
    type: Literal["job-reused"] = "job-reused"


class JobSkipped(_JobEvent):
    """Every output of the job is overridden: it has nothing to make."""

    type: Literal["job-skipped"] = "job-skipped"


class JobFailed(_JobEvent):
    type: Literal["job-failed"] = "job-failed"
    message: str | None = None


class JobBlocked(_JobEvent):
    """A job upstream failed, so this one cannot start."""

    type: Literal["job-blocked"] = "job-blocked"
    message: str | None = None


class BuildStarted(_Event):
    type: Literal["build-started"] = "build-started"


class BuildFinished(_Event):
    """The build ended; ``status`` is the server build's (complete, incomplete, interrupted,
    cancelled, failed)."""

    type: Literal["build-finished"] = "build-finished"
    status: str
    revision: int | None = None


JobEvent = (
    JobWaiting | JobStarted | JobRetrying | JobFinished | JobReused | JobSkipped | JobFailed
    | JobBlocked
)
BuildEvent = Annotated[
    JobEvent | BuildStarted | BuildFinished, Field(discriminator="type")
]

#: Called with each event of a build.
EventCallback = Callable[[BuildEvent], None]

@functools.cache
def _reader() -> TypeAdapter[BuildEvent]:
    # Made on first use: a build that only writes events never pays for the reader's schema.
    return TypeAdapter(BuildEvent)


def read_event(data: Mapping[str, Any]) -> BuildEvent | None:
    """The event a stream's ``data`` holds; None for a type this version does not know."""
    try:
        return _reader().validate_python(dict(data))
    except ValueError:
        return None


def event_json_schema() -> dict[str, Any]:
    return _reader().json_schema()


_FROM_KIND: dict[EventKind, type[_JobEvent]] = {
    EventKind.WAITING: JobWaiting,
    EventKind.STARTED: JobStarted,
    EventKind.RETRYING: JobRetrying,
    EventKind.FINISHED: JobFinished,
    EventKind.REUSED: JobReused,
    EventKind.SKIPPED: JobSkipped,
    EventKind.FAILED: JobFailed,
    EventKind.BLOCKED: JobBlocked,
}


def from_engine(event: EngineEvent, build: str | None = None) -> JobEvent:
    """The published form of one scheduler event."""
    kind = _FROM_KIND[event.kind]
    fields: dict[str, Any] = {"build": build, "job": str(event.job_id), "producer": event.producer}
    if "attempt" in kind.model_fields:
        fields["attempt"] = max(1, event.attempt)
    if "message" in kind.model_fields:
        fields["message"] = event.message
    if kind is JobRetrying and event.retry_in_s is not None:
        fields["retry_in_s"] = round(event.retry_in_s, 3)
    return cast(JobEvent, kind(**fields))
