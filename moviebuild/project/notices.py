"""What a build tells the user beyond its counts: narrations a ``fixed`` assembly cut short, and
that offline narration is a placeholder tone when no speech engine is installed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from moviebuild.config.enums import Role

if TYPE_CHECKING:
    from moviebuild.engine.plan import Plan
    from moviebuild.project.folder import Snapshot
    from moviebuild.store import Store


def build_notices(
    snapshot: Snapshot, plan: Plan, store: Store, timeline_digest: str | None
) -> list[str]:
    """The notices of a build of ``snapshot`` (planned as ``plan``) whose timeline is
    ``timeline_digest``."""
    notices: list[str] = []
    if timeline_digest is not None:
        data = store.blobs.get_blob(timeline_digest)
        if _may_cut_narration(data):
            from moviebuild.timeline.model import load_timeline, timeline_notices

            notices += timeline_notices(load_timeline(data))
    speaks_offline = any(
        p.job.role is Role.SPEECH and p.adapter == "offline" for p in plan.jobs
    )
    if speaks_offline:
        from moviebuild.providers.offline.identity import offline_speech_notices

        notices += offline_speech_notices(str(snapshot.moviefile.language))
    return notices


def _may_cut_narration(data: bytes) -> bool:
    """False only when the timeline is JSON whose narration clips all have ``cut_s`` below
    what ``timeline_notices`` reports: most builds then skip importing and validating the
    timeline model (about 25 ms of a no-op build). Anything unexpected takes the full path,
    which says what is wrong."""
    try:
        clips = json.loads(data)["tracks"]["narration"]
        return any(clip.get("cut_s", 0.0) >= 0.01 for clip in clips)
    except (ValueError, LookupError, TypeError, AttributeError):
        return True
