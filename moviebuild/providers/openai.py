"""The OpenAI adapter: chat completions with JSON-schema structured output (validated, with one
automatic repair), image generation and speech, against api.openai.com or any OpenAI-compatible
server named by $OPENAI_BASE_URL. It serves text, image and speech; music and video are refused.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from moviebuild.config.enums import Role
from moviebuild.errors import ProviderError
from moviebuild.providers.catalog import DEFAULT_MODELS
from moviebuild.providers.endpoints import OPENAI
from moviebuild.providers.http import MAX_DOWNLOAD_BYTES, ProviderSession, Reply, timeout_s
from moviebuild.providers.json_schema import schema_errors
from moviebuild.providers.media_format import normalize_media
from moviebuild.providers.offline.audio import mp3_duration_s
from moviebuild.providers.requests import (
    CallContext,
    ImageRequest,
    MusicRequest,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)
from moviebuild.providers.usage import Usage, number

#: An image answer is base64 JSON: the image cap plus a third, plus room for the rest.
MAX_B64_IMAGE_BYTES = MAX_DOWNLOAD_BYTES["image"] * 4 // 3 + (1 << 20)
#: A provider entry's ``params`` key choosing ``json_schema`` (default) or ``json_object``.
STRUCTURED_OUTPUT_PARAM = "structured_output"
_UNSENT_KEYWORDS = frozenset({"minLength", "maxLength"})
OPENAI_HOST = "api.openai.com"
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")
#: The Moviefile's default voice name maps to this OpenAI voice; other names pass through.
DEFAULT_VOICE = "alloy"
_REPAIR = (
    "Your answer does not match the required JSON schema:\n{problems}\n"
    "Answer again with only a JSON object that matches the schema exactly."
)

log = logging.getLogger("moviebuild.providers.openai")


def fill_template(request: TextRequest) -> str:
    """The producer's template with its variables; a template naming an unknown one is a bug."""
    try:
        return request.template.format_map(dict(request.variables))
    except (KeyError, IndexError, ValueError) as exc:
        raise ProviderError(
            f"{request.producer}: the prompt template cannot be filled ({exc!r})",
            retryable=False, provider="openai",
            hint="the template names a variable the producer does not provide",
        ) from exc


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` as sent with ``strict: true``: without ``minLength``/``maxLength``, which
    OpenAI's strict mode and several compatible servers reject. The adapter still checks them
    on the answer; item counts (``minItems``/``maxItems``) are sent."""
    def strip(node: Any) -> Any:
        if isinstance(node, Mapping):
            return {k: strip(v) for k, v in node.items() if k not in _UNSENT_KEYWORDS}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    stripped: dict[str, Any] = strip(schema)
    return stripped


def response_format(producer: str, schema: Mapping[str, Any],
                    structured_output: Any = None) -> dict[str, Any]:
    """``json_schema`` (strict) by default; ``json_object`` with the schema alongside for
    servers that lack strict JSON schemas (llama-cpp-python's server constrains its output with
    the ``schema`` it is given; others ignore it, and the answer is still checked here)."""
    if structured_output == "json_object":
        # Not strict mode: string lengths stay, so a grammar-constrained server enforces them.
        return {"type": "json_object", "schema": dict(schema)}
    if structured_output not in (None, "json_schema"):
        raise ProviderError(
            f"{producer}: params.{STRUCTURED_OUTPUT_PARAM} is {structured_output!r}",
            retryable=False, provider="openai",
            hint=f"set {STRUCTURED_OUTPUT_PARAM} to json_schema (the default) or json_object")
    return {"type": "json_schema", "json_schema": {
        "name": producer, "schema": strict_schema(schema), "strict": True}}


def token_limit(base_url: str, model: str, tokens: int) -> dict[str, int]:
    """The answer's token cap in the field the server takes: ``max_tokens`` for compatible
    servers (where a looping small model is the risk), ``max_completion_tokens`` on OpenAI,
    and none for OpenAI's reasoning models, whose hidden reasoning counts against the cap."""
    if urlsplit(base_url).hostname != OPENAI_HOST:
        return {"max_tokens": tokens}
    if model.startswith(_REASONING_PREFIXES):
        return {}
    return {"max_completion_tokens": tokens}


def image_size(model: str, width: int, height: int) -> str:
    """The ``size`` a model accepts closest to the frame's shape (GPT-image and DALL·E sizes)."""
    shape = "wide" if width > height else "tall" if height > width else "square"
    if model.startswith("dall-e-2"):
        return "1024x1024"
    if model.startswith("dall-e-3"):
        return {"wide": "1792x1024", "tall": "1024x1792", "square": "1024x1024"}[shape]
    if model.startswith("gpt-image"):
        return {"wide": "1536x1024", "tall": "1024x1536", "square": "1024x1024"}[shape]
    return f"{width}x{height}"


class OpenAIAdapter:
    """OpenAI over aiohttp. Reads OPENAI_API_KEY and OPENAI_BASE_URL at each call, keeps no key."""

    name = "openai"

    def __init__(self, *, timeout_s: float | None = None) -> None:
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"OpenAIAdapter(timeout_s={self.timeout_s!r})"

    def _session(self, context: CallContext) -> ProviderSession:
        return ProviderSession(OPENAI, context.job_id, timeout_s=timeout_s(self.timeout_s))

    async def generate_json(self, request: TextRequest, context: CallContext) -> dict[str, Any]:
        prompt = fill_template(request)
        model = request.model or DEFAULT_MODELS[("openai", Role.TEXT)]
        messages: list[dict[str, str]] = [{"role": "user", "content": prompt}]
        async with self._session(context) as http:
            answer, problems, raw = await self._ask(http, model, messages, request, prompt,
                                                    context)
            if answer is not None:
                return answer
            log.info("%s: answer does not match the schema; asking once for a repair",
                     context.job_id)
            messages += [
                {"role": "assistant", "content": raw},
                {"role": "user", "content": _REPAIR.format(problems="\n".join(problems[:20]))},
            ]
            answer, problems, raw = await self._ask(http, model, messages, request, prompt,
                                                    context)
            if answer is not None:
                return answer
            raise http.error(
                f"the answer still does not match the {request.producer} schema after one repair "
                f"request: {'; '.join(problems[:5])}", retryable=False,
                hint="run `moviebuild redo` on this job, or choose a model that supports "
                     "structured output",
            )

    async def _ask(
        self, http: ProviderSession, model: str, messages: list[dict[str, str]],
        request: TextRequest, prompt: str, context: CallContext,
    ) -> tuple[dict[str, Any] | None, list[str], str]:
        """One chat completion: (the answer if schema-valid, the problems, the raw content)."""
        params = dict(request.params)
        body: dict[str, Any] = {
            **params, "model": model, "messages": messages,
            "response_format": response_format(request.producer, request.schema,
                                               params.pop(STRUCTURED_OUTPUT_PARAM, None)),
        }
        body.pop(STRUCTURED_OUTPUT_PARAM, None)
        if request.max_output_tokens and not {"max_tokens", "max_completion_tokens"} & set(body):
            body.update(token_limit(http.base_url, model, request.max_output_tokens))
        reply = await http.call("POST", f"{http.base_url}/chat/completions", json_body=body,
                                prompt=prompt)
        context.report(reported_usage(http.json_object(reply), "prompt_tokens",
                                      "completion_tokens"))
        message, finish = _first_choice(http, reply)
        if message.get("refusal") or finish == "content_filter":
            reason = message.get("refusal") or "the content filter stopped the answer"
            raise http.refused(f"the model refused: {reason}", prompt, reply)
        content = message.get("content")
        if not isinstance(content, str):
            raise http.unexpected(reply, "the message has no text content")
        try:
            # Small local models write raw newlines inside strings; that is still their text.
            value = json.loads(content, strict=False)
        except ValueError as exc:
            cut = " (cut off: finish_reason is 'length')" if finish == "length" else ""
            return None, [f"the answer is not valid JSON{cut}: {exc}"], content
        problems = schema_errors(value, request.schema)
        return (value if not problems else None), problems, content

    async def generate_image(self, request: ImageRequest, context: CallContext) -> bytes:
        model = request.model or DEFAULT_MODELS[("openai", Role.IMAGE)]
        prompt = f"{request.prompt}\n\nStyle: {request.style}."
        body: dict[str, Any] = {"model": model, "prompt": prompt, "n": 1,
                                "size": image_size(model, request.width, request.height)}
        if model.startswith("dall-e"):
            body["response_format"] = "b64_json"
        body.update(request.params)
        async with self._session(context) as http:
            reply = await http.call("POST", f"{http.base_url}/images/generations",
                                    json_body=body, prompt=request.prompt,
                                    max_body_bytes=MAX_B64_IMAGE_BYTES)
            data = http.json_object(reply)
            usage = reported_usage(data, "input_tokens", "output_tokens")
            # DALL·E answers carry no usage: it bills per image.
            context.report(usage if usage.units else Usage(self.name, {"images": 1}))
            items = data.get("data")
            item = items[0] if isinstance(items, list) and items else None
            if not isinstance(item, Mapping):
                raise http.unexpected(reply, "no image in 'data'")
            if isinstance(item.get("b64_json"), str):
                try:
                    image = base64.b64decode(item["b64_json"], validate=True)
                except (binascii.Error, ValueError):
                    raise http.unexpected(reply, "b64_json is not base64") from None
            elif isinstance(item.get("url"), str):
                image = await http.download(item["url"], "image")
            else:
                raise http.unexpected(reply, "the image has neither b64_json nor url")
        return await normalize_media(image, "image", provider=self.name, job_id=context.job_id)

    async def synthesize_speech(self, request: SpeechRequest, context: CallContext) -> bytes:
        model = request.model or DEFAULT_MODELS[("openai", Role.SPEECH)]
        voice = DEFAULT_VOICE if request.voice == "narrator" else request.voice
        body: dict[str, Any] = {"model": model, "input": request.text, "voice": voice,
                                "response_format": "mp3"}
        if request.emotion and not model.startswith("tts-1"):
            body["instructions"] = f"Speak in a {request.emotion} tone, as a documentary narrator."
        body.update(request.params)
        async with self._session(context) as http:
            reply = await http.call("POST", f"{http.base_url}/audio/speech", json_body=body,
                                    headers={"Accept": "audio/mpeg"}, prompt=request.text,
                                    max_body_bytes=MAX_DOWNLOAD_BYTES["audio"])
            audio = http.media_body(reply, "audio")
        audio = await normalize_media(audio, "audio", provider=self.name, job_id=context.job_id)
        # The speech answer is bare audio, with no usage: its length and the text are the units.
        context.report(Usage(self.name, {"audio_seconds": round(mp3_duration_s(audio), 3),
                                         "characters": len(request.text)}))
        return audio

    async def generate_music(self, request: MusicRequest, context: CallContext) -> bytes:
        raise _unserved(context, "music")

    async def generate_video(self, request: VideoRequest, context: CallContext) -> bytes:
        raise _unserved(context, "video")


def reported_usage(data: Mapping[str, Any], input_name: str, output_name: str) -> Usage:
    """The ``usage`` tokens of an answer (chat: prompt/completion, images: input/output) and
    the model it names; no units when the answer has no usage (some compatible servers)."""
    usage = data.get("usage")
    units: dict[str, float] = {}
    if isinstance(usage, Mapping):
        for ours, theirs in (("input_tokens", input_name), ("output_tokens", output_name)):
            found = number(usage.get(theirs))
            if found is not None:
                units[ours] = found
    model = data.get("model")
    return Usage("openai", units, model if isinstance(model, str) and model else None)


def _first_choice(http: ProviderSession, reply: Reply) -> tuple[Mapping[str, Any], str | None]:
    data = http.json_object(reply)
    choices = data.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    message = choice.get("message") if isinstance(choice, Mapping) else None
    if not isinstance(choice, Mapping) or not isinstance(message, Mapping):
        raise http.unexpected(reply, "no choices[0].message")
    finish = choice.get("finish_reason")
    return message, finish if isinstance(finish, str) else None


def _unserved(context: CallContext, role: str) -> ProviderError:
    return ProviderError(
        f"{context.job_id}: openai does not serve the {role} role",
        retryable=False, provider="openai",
        hint=f"choose another adapter for {role} in the Moviefile's providers: section",
    )
