"""``MovieState``: the answer document of every door (``moviebuild status --json``, the Python API,
the HTTP API). A versioned pydantic model with a published JSON Schema (``moviebuild schema
state``), made for a web client as much as for Python: the current revision and its status, the
timeline with an asset map of links, every editable prompt, the errors, the cost and the notices.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from moviebuild.timeline.model import SourceCredit, Timeline

if TYPE_CHECKING:
    from moviebuild.graph import NodeId

STATE_FORMAT_VERSION: Literal[1] = 1

#: Turns an artifact id and its digest into a link a client can load.
Linker = Callable[["NodeId", str], str]


class _Document(BaseModel):
    # Validators are built on first use, so a command pays only for the documents it makes.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ArtifactInfo(_Document):
    """What the movie calls an artifact and where its files are, as the blueprints declare."""

    label: str = Field(description="what a person calls it, e.g. Segment 3, image 2")
    kind: Literal["text", "image", "audio", "video", "json"]
    segment: int | None = Field(description="its segment (1-based); null for movie-wide ones")
    order: int = Field(description="its place when reading the movie: movie-wide, then by segment")
    out: str | None = Field(description="its file under out/, relative to the movie folder")
    prompts: str | None = Field(
        description="its file under prompts/: the text to edit, or where your own media goes"
    )


class PromptRef(_Document):
    """An editable text a job reads: what to change when the job fails."""

    id: str = Field(description="artifact id, e.g. SegmentImagePrompt[3][2]")
    label: str
    file: str = Field(description="where the text lives under the movie folder")


class PromptState(_Document):
    """One editable text. ``source``: generated (the producer's text) or edited (the user's text,
    which pins the slot); ``generated`` is the producer's text under an edit, when known, and
    ``generator_changed`` says it changed since the user edited the slot."""

    id: str = Field(description="artifact id, e.g. SegmentImagePrompt[3][2]")
    label: str = Field(description="what a person calls it, e.g. Segment 3, image prompt 2")
    segment: int | None = Field(description="its segment (1-based); null for movie-wide texts")
    order: int = Field(description="its place when reading the movie")
    text: str
    source: Literal["generated", "edited"]
    file: str | None = Field(description="where the text lives under the movie folder")
    generated: str | None = None
    generator_changed: bool = False


class OwnMediaState(_Document):
    """A media slot pinned by your own file (``source`` is always "yours"): its producer does
    not run, and downstream jobs use the file's bytes until you reset it or delete the file."""

    id: str = Field(description="artifact id, e.g. SegmentImage[3][2]")
    label: str
    kind: Literal["image", "audio", "video"]
    file: str = Field(description="your file, relative to the movie folder")
    source: Literal["yours"] = "yours"


class ReferenceState(_Document):
    """A continuity sheet and the image and video jobs that use it now."""

    name: str
    description: str
    images: list[str]
    applies_to: Literal["mentioned", "all"]
    used_by: list[str] = Field(default_factory=list, description="job ids")


class JobState(_Document):
    """One job. ``status``: current (its result is in the revision), stale (the next build runs
    it), failed, blocked (an upstream job failed), skipped (every output is overridden)."""

    id: str
    producer: str
    label: str = Field(description="what a person calls it, e.g. Segment 3, image 2")
    segment: int | None = Field(description="its segment (1-based); null for movie-wide jobs")
    order: int = Field(description="its place when reading the movie")
    kind: Literal["text", "image", "audio", "video", "json"] = Field(
        description="the kind of what it makes"
    )
    status: Literal["current", "stale", "failed", "blocked", "skipped"]
    reason: str | None = Field(None, description="why a stale job runs")
    provider: str
    files: list[str] = Field(description="the files of what it makes, under out/ or prompts/")
    prompts: list[PromptRef] = Field(description="the editable texts it reads")
    references: list[str] = Field(
        default_factory=list, description="continuity sheets this image or video job uses"
    )
    references_as: Literal["pictures", "description"] | None = Field(
        None, description="whether the model gets the sheets' pictures or only descriptions"
    )


class JobError(_Document):
    """A job that did not finish in the current revision. ``kind``: needs-attention (the
    provider refused; fix the input), retryable-exhausted (transient failures used every
    attempt; building again retries), blocked-by (waits on a failed job named in ``blocked_by``)."""

    job: str
    label: str = Field(description="what a person calls the job, e.g. Segment 3, image 2")
    segment: int | None
    prompts: list[PromptRef] = Field(description="the editable texts the job reads")
    kind: Literal["needs-attention", "retryable-exhausted", "blocked-by"]
    message: str | None
    hint: str | None = Field(None, description="what to do about it, when the provider said")
    attempts: int
    blocks: list[str] = Field(default_factory=list, description="jobs this failure blocks")
    blocked_by: list[str] = Field(default_factory=list)


class ProviderCostState(_Document):
    """One provider in the current revision's build: the estimate of its calls, what it
    reported it billed (at the price table's prices), the difference, and what reuse saved."""

    estimated_usd: float
    billed_usd: float
    difference_usd: float = Field(0.0, description="billed minus the estimate")
    saved_usd: float


class CostState(_Document):
    """``estimated_usd``: what building now would cost (the stale jobs); ``spent_usd``: what
    the current revision's build billed (``ran_estimate_usd`` its estimate, ``difference_usd``
    billed minus that, ``saved_usd`` the price of what it reused); ``total_spent_usd``: every
    revision together."""

    estimated_usd: float
    estimated_per_provider_usd: dict[str, float]
    spent_usd: float
    ran_estimate_usd: float = 0.0
    difference_usd: float = 0.0
    saved_usd: float = 0.0
    total_spent_usd: float = 0.0
    per_provider: dict[str, ProviderCostState] = Field(default_factory=dict)
    price_table: str | None = Field(None, description="the date of the prices used")
    budget: str | None = Field(None, description="set when a budget stopped the build")


class MovieState(_Document):
    """What a movie is now. ``status``: unbuilt, complete, incomplete (failed or blocked jobs)
    or interrupted. ``up_to_date`` is true when a build would call nothing."""

    format_version: Literal[1] = STATE_FORMAT_VERSION
    inquiry: str
    title: str | None
    revision: int | None
    status: Literal["unbuilt", "complete", "incomplete", "interrupted"]
    up_to_date: bool
    timeline: Timeline | None
    assets: dict[str, str] = Field(description="asset id -> link (a path relative to the movie "
                                   "folder for a local movie, a URL for a remote one)")
    prompts: list[PromptState]
    artifacts: dict[str, ArtifactInfo] = Field(
        description="artifact id -> its label, kind, segment, reading order and files"
    )
    own_media: list[OwnMediaState] = Field(
        default_factory=list, description="media slots pinned by your own files"
    )
    sources: list[SourceCredit] = Field(
        default_factory=list,
        description="the research sources (Moviefile sources:), with the segments citing them "
        "once the movie is built",
    )
    references: list[ReferenceState] = Field(
        default_factory=list, description="the continuity sheets (Moviefile references:)"
    )
    jobs: list[JobState]
    errors: list[JobError]
    cost: CostState
    notices: list[str]


def state_json_schema() -> dict[str, Any]:
    """The published JSON Schema of ``MovieState``."""
    return MovieState.model_json_schema()
