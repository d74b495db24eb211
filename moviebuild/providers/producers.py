"""What each producer asks of its provider and how the answer becomes artifacts.

For LLM producers: the template variables, the JSON schema of the answer, and the mapping of a
valid answer onto artifact ids. For media producers: the role request built from the job's inputs.
Adapters never see job ids or Moviefiles; this module is the translation between the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from moviebuild.config.enums import Role, frame_size
from moviebuild.config.moviefile import SEGMENT_LENGTH_S
from moviebuild.errors import ProviderError
from moviebuild.graph import Job, NodeId

if TYPE_CHECKING:
    from moviebuild.providers.requests import (
        ImageRequest,
        MusicRequest,
        SpeechRequest,
        TextRequest,
        VideoRequest,
    )

_TEXT = {"type": "string", "minLength": 1}


def _object(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


#: The JSON schema of each LLM producer's answer (OpenAI structured outputs accept these).
SCHEMAS: dict[str, dict[str, Any]] = {
    "ScriptProducer": _object(
        title=_TEXT,
        summary=_TEXT,
        segments={"type": "array", "items": _object(narration=_TEXT)},
    ),
    "ResearchProducer": _object(notes=_TEXT),
    "TextToMusicPromptProducer": _object(music_prompt=_TEXT),
    "TextToImagePromptProducer": _object(image_prompts={"type": "array", "items": _TEXT}),
    "TextToVideoPromptProducer": _object(direction_prompt=_TEXT),
    "ImageToVideoPromptProducer": _object(starting_image_prompt=_TEXT, direction_prompt=_TEXT),
}


#: Output tokens allowed per item of an answer, and for the rest of it: generous for the
#: language, small enough that a looping model stops within seconds.
_TOKENS_PER_SEGMENT = 200
_TOKENS_PER_IMAGE_PROMPT = 150
_TOKENS_BASE = 300


def answer_schema(job: Job, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The producer's schema with this job's item counts (segments, image prompts) in it, so
    the model is told them and a wrong count goes through the repair request."""
    import copy

    schema = copy.deepcopy(SCHEMAS[job.producer])
    if job.producer == "ScriptProducer":
        n = int(fields["duration"]) // SEGMENT_LENGTH_S
        schema["properties"]["segments"].update(minItems=n, maxItems=n)
    elif job.producer == "TextToImagePromptProducer":
        m = int(fields["images_per_segment"])
        schema["properties"]["image_prompts"].update(minItems=m, maxItems=m)
    return schema


def answer_token_budget(job: Job, fields: Mapping[str, Any]) -> int:
    """``max_tokens`` for an LLM job, sized to the answer it must write."""
    if job.producer == "ScriptProducer":
        n = int(fields["duration"]) // SEGMENT_LENGTH_S
        return _TOKENS_BASE + n * _TOKENS_PER_SEGMENT
    if job.producer == "TextToImagePromptProducer":
        return _TOKENS_BASE + int(fields["images_per_segment"]) * _TOKENS_PER_IMAGE_PROMPT
    return _TOKENS_BASE + _TOKENS_PER_IMAGE_PROMPT


def text_request(job: Job, fields: Mapping[str, Any], inputs: Mapping[NodeId, bytes], *,
                 template: str, model: str | None, params: Mapping[str, Any],
                 take: int, extra: Mapping[str, Any] | None = None) -> TextRequest:
    """The request of an LLM job: its template, variables, counted schema and token budget.

    ``extra`` are variables from outside the graph (sources, reference sheets)."""
    from moviebuild.providers import requests

    return requests.TextRequest(
        producer=job.producer, template=template,
        variables={**text_variables(job, fields, inputs), **(extra or {})},
        schema=answer_schema(job, fields),
        model=model, params=params, take=take,
        max_output_tokens=answer_token_budget(job, fields),
    )


def _text(inputs: Mapping[NodeId, bytes], name: str, index: tuple[int, ...] = ()) -> str:
    return inputs[NodeId(name, index)].decode("utf-8")


def text_variables(
    job: Job, fields: Mapping[str, Any], inputs: Mapping[NodeId, bytes]
) -> dict[str, Any]:
    """The template variables of an LLM job."""
    variables: dict[str, Any] = dict(fields)
    if job.producer == "ScriptProducer":
        variables["segments"] = int(fields["duration"]) // SEGMENT_LENGTH_S
        if NodeId("ResearchNotes") in inputs:
            variables["research"] = _text(inputs, "ResearchNotes")
    elif job.producer == "ResearchProducer":
        pass
    elif job.producer == "TextToMusicPromptProducer":
        variables["summary"] = _text(inputs, "MovieSummary")
    else:
        variables["segment"] = job.id.index[0]
        variables["narration"] = _text(inputs, "SegmentNarration", job.id.index)
    return variables


def text_outputs(
    job: Job, answer: Mapping[str, Any], fields: Mapping[str, Any]
) -> dict[NodeId, bytes]:
    """Artifacts from a schema-valid LLM answer; ProviderError when the shape is wrong."""
    try:
        return _map_answer(job, answer, fields)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderError(
            f"{job.id}: the answer does not have the expected shape ({exc})",
            retryable=False,
            hint="run `moviebuild redo` on this job, or choose another model",
        ) from exc


def _map_answer(
    job: Job, answer: Mapping[str, Any], fields: Mapping[str, Any]
) -> dict[NodeId, bytes]:
    def enc(value: Any) -> bytes:
        text = str(value).strip()
        if not text:
            raise ValueError("empty text")
        return text.encode("utf-8")

    index = job.id.index
    if job.producer == "ScriptProducer":
        n = int(fields["duration"]) // SEGMENT_LENGTH_S
        segments = answer["segments"]
        if len(segments) != n:
            raise ValueError(f"{len(segments)} segments instead of {n}")
        out = {
            NodeId("MovieTitle"): enc(answer["title"]),
            NodeId("MovieSummary"): enc(answer["summary"]),
        }
        for number, segment in enumerate(segments, start=1):
            out[NodeId("SegmentNarration", (number,))] = enc(segment["narration"])
        return out
    if job.producer == "ResearchProducer":
        return {NodeId("ResearchNotes"): enc(answer["notes"])}
    if job.producer == "TextToMusicPromptProducer":
        return {NodeId("MusicPrompt"): enc(answer["music_prompt"])}
    if job.producer == "TextToImagePromptProducer":
        m = int(fields["images_per_segment"])
        prompts = answer["image_prompts"]
        if len(prompts) < m:
            raise ValueError(f"{len(prompts)} image prompts instead of {m}")
        return {
            NodeId("SegmentImagePrompt", (*index, j)): enc(prompts[j - 1]) for j in range(1, m + 1)
        }
    if job.producer == "TextToVideoPromptProducer":
        return {NodeId("TextToMovieDirectionPrompt", index): enc(answer["direction_prompt"])}
    if job.producer == "ImageToVideoPromptProducer":
        return {
            NodeId("StartingImagePrompt", index): enc(answer["starting_image_prompt"]),
            NodeId("ImageToMovieDirectionPrompt", index): enc(answer["direction_prompt"]),
        }
    raise ValueError(f"{job.producer} is not an LLM producer")


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
    index = job.id.index
    if job.role is Role.SPEECH:
        return requests.SpeechRequest(
            text=_text(inputs, "SegmentNarration", index),
            voice=str(fields["voice"]),
            language=str(fields["language"]),
            emotion=fields.get("emotion"),
            **common,
        )
    if job.role is Role.MUSIC:
        return requests.MusicRequest(
            prompt=_text(inputs, "MusicPrompt"), duration_s=float(fields["duration"]), **common
        )
    width, height = frame_size(fields["size"], fields["aspect_ratio"])
    frame: dict[str, Any] = {
        "width": width,
        "height": height,
        "aspect_ratio": str(fields["aspect_ratio"]),
    }
    if job.role is Role.IMAGE:
        source = (
            "SegmentImagePrompt"
            if job.producer == "TextToImageProducer"
            else ("StartingImagePrompt")
        )
        return requests.ImageRequest(
            prompt=_text(inputs, source, index),
            style=str(fields["image_style"]),
            **frame,
            **common,
        )
    if job.producer == "ImageToVideoProducer":
        prompt = _text(inputs, "ImageToMovieDirectionPrompt", index)
        start_image: bytes | None = inputs[NodeId("StartingImage", index)]
    else:
        prompt, start_image = _text(inputs, "TextToMovieDirectionPrompt", index), None
    return requests.VideoRequest(
        prompt=prompt,
        style=str(fields.get("image_style", "photorealistic")),
        duration_s=float(SEGMENT_LENGTH_S),
        start_image=start_image,
        **frame,
        **common,
    )
