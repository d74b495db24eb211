"""The HTTP API's request and response bodies as pydantic models: the handlers validate and answer
with these, and the OpenAPI document is generated from them. ``MovieState`` and the reports
(``PlanReport``, ``BuildReport``, ``RevisionEntry``) are the project's own answer documents,
served as they are.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from moviebuild.project.reports import BuildReport, PlanReport, RevisionEntry
from moviebuild.project.state import JobError, PromptState
from moviebuild.timeline.model import Timeline

MAX_OVERRIDE_CHARS = 20_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CreateMovie(_Body):
    """``POST /v1/movies``: a Moviefile as JSON (the same keys as ``Moviefile.yaml``)."""

    # Validated by the Moviefile's own loader (the CLI's messages); the OpenAPI document
    # describes it with the Moviefile's schema.
    moviefile: dict[str, Any] = Field(
        description="the Moviefile's keys and values (without `store`)"
    )
    overrides: dict[str, str] = Field(
        default_factory=dict, description="artifact id -> text, e.g. SegmentNarration[2]"
    )
    dry_run: bool = Field(
        default=False, description="only plan: answer with the plan and its cost"
    )
    budget_usd: float | None = Field(
        default=None, ge=0, description="refuse to build above this cost"
    )


class BuildRequest(_Body):
    """``POST /v1/movies/{id}/builds``: what to change before building."""

    config: dict[str, Any] = Field(
        default_factory=dict, description="a Moviefile patch; null removes a key"
    )
    overrides: dict[str, str | None] = Field(
        default_factory=dict,
        description="artifact id -> text; null hands an edited text back to its generator",
    )
    redo: list[str] = Field(default_factory=list, description="job or artifact ids to redo")
    variant: str | None = Field(
        default=None,
        description="the variant to build (`variants:` in the Moviefile); null: the base movie",
    )
    dry_run: bool = False
    budget_usd: float | None = Field(default=None, ge=0)


class CheckoutRequest(_Body):
    revision: int | str = Field(description="3 or r3")
    force: bool = Field(default=False, description="discard edits no revision has built")


BuildStatus = Literal[
    "queued", "running", "complete", "incomplete", "interrupted", "cancelled", "failed"
]


class BuildDocument(BaseModel):
    """One build. ``status``: queued, running, then complete, incomplete (failed or blocked
    jobs), interrupted (the server stopped; it resumes on the next start), cancelled, or failed
    (the build could not run: ``error`` says why). ``report`` is the finished build's
    ``BuildReport``, the answer a local build gives."""

    id: str
    movie: str
    status: BuildStatus
    created: str
    finished: str | None = None
    revision: int | None = None
    error: str | None = None
    report: BuildReport | None = None
    changes: BuildRequest = Field(default_factory=lambda: BuildRequest.model_validate({}))


_EVENTS_AFTER = "send as Last-Event-ID to /events to stream this build from its start"


class CreatedMovie(BaseModel):
    id: str
    build: BuildDocument | None = None
    plan: PlanReport | None = None
    events_after: int = Field(default=0, description=_EVENTS_AFTER)


class BuildAccepted(BaseModel):
    """202 for a started build, 200 with ``plan`` for a dry run."""

    build: BuildDocument | None = None
    plan: PlanReport | None = None
    events_after: int = Field(default=0, description=_EVENTS_AFTER)


class MovieSummary(BaseModel):
    id: str
    inquiry: str
    revision: int | None
    building: str | None = Field(description="the running build's id")


class MovieList(BaseModel):
    movies: list[MovieSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class PromptList(BaseModel):
    prompts: list[PromptState]


class ErrorList(BaseModel):
    errors: list[JobError]


class TimelineDocument(BaseModel):
    timeline: Timeline | None
    assets: dict[str, str]


class RevisionList(BaseModel):
    revisions: list[RevisionEntry]


class RevisionDiff(BaseModel):
    """What differs between revision ``from`` and revision ``to``."""

    model_config = ConfigDict(populate_by_name=True)

    from_: int = Field(alias="from")
    to: int
    inputs: dict[str, Any]
    overrides: dict[str, Any]
    artifacts: dict[str, Any]


class RevisionDocument(BaseModel):
    revision: int
    created: str
    interrupted: bool
    moviefile: dict[str, Any]
    overrides: dict[str, str]
    outputs: dict[str, str] = Field(description="artifact id -> digest")
    links: dict[str, str] = Field(
        default_factory=dict,
        description="artifact id -> signed, expiring link to this revision's media file (what "
        "out/ holds, but not the timeline), loadable without headers like the state's assets",
    )
    diff_from_previous: RevisionDiff | None


class Problem(BaseModel):
    """Every error answer: what went wrong, where (a JSON path for request bodies) and what to
    do. No traceback, no internal detail."""

    error: str = Field(description="a short kind: not-found, invalid, conflict, ...")
    message: str
    hint: str | None = None
    where: str | None = Field(
        default=None, description="JSON path in the request, e.g. $.moviefile.duration"
    )


class WebhookRequest(_Body):
    """``PUT .../webhook``: where build-finished events go."""

    url: str = Field(description="https URL that receives signed build-finished events")


class Webhook(BaseModel):
    """A registered webhook. ``secret`` signs each delivery (``Moviebuild-Signature``); it is
    shown when the webhook is registered and not again."""

    url: str
    secret: str | None = None
