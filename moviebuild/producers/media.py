"""The media producers' requests, one per role: speech, music, image and video. A job's prompt is
the text it consumes and a video's starting frame the image it consumes, as its blueprint says; no
producer or artifact is named here, so a media producer of these roles needs only its blueprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from moviebuild.config.enums import Role, frame_size
from moviebuild.config.moviefile import SEGMENT_LENGTH_S
from moviebuild.errors import ProviderError
from moviebuild.graph import Job, NodeId
from moviebuild.graph.naming import kind_of

if TYPE_CHECKING:
    from moviebuild.providers.requests import (
        ImageRequest,
        MusicRequest,
        SpeechRequest,
        VideoRequest,
    )


def _consumed(job: Job, inputs: Mapping[NodeId, bytes], kind: str) -> list[bytes]:
    return [inputs[a] for a in job.consumes if kind_of(a) == kind]


def _prompt(job: Job, inputs: Mapping[NodeId, bytes]) -> str:
    """The one text a media job consumes: its prompt, or the narration it speaks."""
    texts = _consumed(job, inputs, "text")
    if len(texts) != 1:
        raise ProviderError(
            f"{job.id}: a {job.role.value} job reads one text, and its blueprint gives "
            f"{len(texts)}",
            retryable=False,
        )
    return texts[0].decode("utf-8")


def media_request(
    job: Job,
    fields: Mapping[str, Any],
    inputs: Mapping[NodeId, bytes],
    *,
    model: str | None,
    params: Mapping[str, Any],
    take: int,
) -> SpeechRequest | MusicRequest | ImageRequest | VideoRequest:
    """The request of a speech, music, image or video job (by its role)."""
    from moviebuild.providers import requests

    common: dict[str, Any] = {"model": model, "params": params, "take": take}
    prompt = _prompt(job, inputs)
    if job.role is Role.SPEECH:
        return requests.SpeechRequest(
            text=prompt,
            voice=str(fields["voice"]),
            language=str(fields["language"]),
            emotion=fields.get("emotion"),
            **common,
        )
    if job.role is Role.MUSIC:
        return requests.MusicRequest(
            prompt=prompt, duration_s=float(fields["duration"]), **common
        )
    width, height = frame_size(fields["size"], fields["aspect_ratio"])
    frame: dict[str, Any] = {
        "width": width,
        "height": height,
        "aspect_ratio": str(fields["aspect_ratio"]),
    }
    if job.role is Role.IMAGE:
        return requests.ImageRequest(
            prompt=prompt, style=str(fields["image_style"]), **frame, **common
        )
    images = _consumed(job, inputs, "image")
    return requests.VideoRequest(
        prompt=prompt,
        style=str(fields.get("image_style", "photorealistic")),
        duration_s=float(SEGMENT_LENGTH_S),
        start_image=images[0] if images else None,
        **frame,
        **common,
    )
