"""What happened to one job in one build: the record the scheduler returns, the journal and the
manifest keep, and build summaries count. Plain data, importable without asyncio."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from moviebuild.engine.keys import Fingerprint
from moviebuild.engine.reasons import Reason
from moviebuild.engine.status import Action, JobStatus
from moviebuild.graph import NodeId


@dataclass
class JobOutcome:
    """What happened to one job in this build; the revision manifest records it."""

    job_id: NodeId
    status: JobStatus
    action: Action | None = None
    reason: Reason | None = None
    fingerprint: Fingerprint | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    hint: str | None = None
    retryable: bool | None = None
    attempts: int = 0
    take: int = 0
    usage: list[Mapping[str, Any]] = field(default_factory=list)
    """What the providers reported each paid request of this job billed (opaque here)."""
    billed_usd: float | None = None
    """``usage`` at the price table's prices; None when nothing was reported."""
