"""An OpenAI emulator: chat completions with JSON-schema structured output (answers synthesised
from the requested schema), image generation (b64_json for GPT-image, URLs for DALL·E), speech
(real MP3) and the model list, with OpenAI's error bodies and headers. No streaming, no
Responses API, no moderation of prompts; every answer is made up, never generated.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from moviebuild.testing.emulators.base import Emulator, Fault, FaultKind, handler_fault
from moviebuild.testing.emulators.media import image_bytes, mp3_bytes

VOICES = frozenset({"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage",
                    "shimmer", "verse", "marin", "cedar"})
GPT_IMAGE_SIZES = frozenset({"1024x1024", "1536x1024", "1024x1536", "auto"})
WORDS_PER_S = 2.5
#: What OpenAI answers for an alias: the snapshot it currently points at.
SNAPSHOTS = {"gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4o": "gpt-4o-2024-08-06"}
#: GPT-image output tokens per size and quality (OpenAI's image generation guide).
IMAGE_TOKENS = {("1024x1024", "low"): 272, ("1024x1024", "medium"): 1056,
                ("1024x1024", "high"): 4160, ("1536x1024", "low"): 408,
                ("1536x1024", "medium"): 1584, ("1536x1024", "high"): 6240}


def _topic(prompt: str) -> str:
    found = re.search(r"(?:about|narrates|movie):\s*([^\n]+)", prompt)
    words = (found.group(1) if found else prompt).split()
    return " ".join(words[:12]) or "the subject"


def answer_for_schema(schema: Mapping[str, Any], prompt: str, name: str = "answer",
                      index: int = 1) -> Any:
    """A value that matches ``schema``. An array property ``p`` gets as many items as the prompt
    asks for with "<n> <p>" ("2 segments", "3 image prompts"), else 3."""
    kind = schema.get("type")
    if kind == "object":
        return {prop: answer_for_schema(sub, prompt, prop, index)
                for prop, sub in schema.get("properties", {}).items()}
    if kind == "array":
        found = re.search(rf"(\d+)\s+{re.escape(name.replace('_', ' '))}", prompt)
        count = int(schema.get("minItems") or (found.group(1) if found else 3))
        singular = name.removesuffix("s")
        return [answer_for_schema(schema.get("items", {}), prompt, singular, i)
                for i in range(1, count + 1)]
    if kind in ("integer", "number"):
        return index
    if kind == "boolean":
        return True
    return f"Emulated {name.replace('_', ' ')} {index} about {_topic(prompt)}."


class OpenAIEmulator(Emulator):
    """``/v1/chat/completions``, ``/v1/images/generations``, ``/v1/audio/speech``, ``/v1/models``.

    Route names for faults: ``chat``, ``images``, ``speech``, ``models``, ``files``. ``answers``
    maps a json_schema name (the producer) to a fixed answer to return instead of a made-up one;
    ``image_override`` replaces every generated image's bytes.

    Answers carry ``usage`` as OpenAI's do: chat counts prompt words as tokens and a token per
    four characters of the answer, times ``usage_factor``; images count GPT-image's output tokens
    for the size at high quality. ``served_models`` maps a requested model name to the one the
    answer says ran (OpenAI answers an alias with its dated snapshot).
    """

    provider = "openai"
    key_env = "OPENAI_API_KEY"
    base_env = "OPENAI_BASE_URL"
    base_path = "/v1"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.answers: dict[str, Any] = {}
        #: Bytes to serve as every generated image instead of a real PNG (corrupt-media tests).
        self.image_override: bytes | None = None
        self.usage_factor = 1.0
        self.served_models: dict[str, str] = dict(SNAPSHOTS)

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/chat/completions", self._chat, name="chat")
        router.add_post("/v1/images/generations", self._images, name="images")
        router.add_post("/v1/audio/speech", self._speech, name="speech")
        router.add_get("/v1/models", self._models, name="models")

    def response_headers(self) -> dict[str, str]:
        return {"x-request-id": self.next_id("req_"), "openai-version": "2020-10-01",
                "openai-processing-ms": "12", "x-ratelimit-limit-requests": "500",
                "x-ratelimit-remaining-requests": "499", "x-ratelimit-reset-requests": "120ms"}

    def error_response(self, status: int, message: str, *, code: str | None = None,
                       headers: Mapping[str, str] | None = None) -> web.Response:
        kind = {401: "invalid_request_error", 429: "requests", 500: "server_error"}.get(
            status, "invalid_request_error")
        body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
        merged = {**self.response_headers(), **(headers or {})}
        return web.json_response(body, status=status, headers=merged)

    def fault_response(self, fault: Fault, route: str) -> web.StreamResponse | None:
        if fault.kind is FaultKind.UNAUTHORIZED:
            return self.error_response(401, fault.message or "Incorrect API key provided.",
                                       code="invalid_api_key")
        if fault.kind is FaultKind.REFUSAL and route == "chat":
            return None
        return super().fault_response(fault, route)

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        response_format = body.get("response_format") or {}
        schema_spec = response_format.get("json_schema") or {}
        if response_format.get("type") == "json_object":
            # JSON mode: no strict schema; a schema given alongside (as llama-cpp-python takes
            # it) shapes the made-up answer.
            schema_spec = {"name": "json_object",
                           "schema": response_format.get("schema") or {"type": "object"}}
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or "model" not in body:
            return self.error_response(400, "'model' and a non-empty 'messages' are required")
        if not isinstance(schema_spec.get("schema"), dict) or not schema_spec.get("name"):
            return self.error_response(400, "Invalid schema for response_format: missing name "
                                       "or schema", code="invalid_json_schema")
        prompt = "\n".join(str(m.get("content")) for m in messages if m.get("role") == "user")
        sent_words = sum(len(str(m.get("content")).split()) for m in messages)
        fault = handler_fault()
        message: dict[str, Any] = {"role": "assistant", "refusal": None, "annotations": []}
        if fault is not None and fault.kind is FaultKind.REFUSAL:
            message.update(content=None, refusal=fault.message or "I can't help with that.")
        elif fault is not None and fault.kind is FaultKind.INVALID_SCHEMA:
            message["content"] = json.dumps({"unexpected": "this does not match the schema"})
        else:
            answer = self.answers.get(schema_spec["name"])
            if answer is None:
                answer = answer_for_schema(schema_spec["schema"], prompt)
            message["content"] = json.dumps(answer)
        prompt_tokens = round(sent_words * self.usage_factor)
        written = message.get("content") or message.get("refusal") or ""
        completion_tokens = round(-(-len(written) // 4) * self.usage_factor)
        model = str(body["model"])
        completion = {
            "id": self.next_id("chatcmpl-"), "object": "chat.completion",
            "created": int(time.time()), "model": self.served_models.get(model, model),
            "system_fingerprint": "fp_emu",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop",
                         "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens,
                      "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                    "accepted_prediction_tokens": 0,
                                                    "rejected_prediction_tokens": 0}},
        }
        self.bill("chat", model, prompt_tokens=prompt_tokens,
                  completion_tokens=completion_tokens)
        return web.json_response(completion, headers=self.response_headers())

    async def _images(self, request: web.Request) -> web.Response:
        body = await request.json()
        model, prompt = str(body.get("model", "dall-e-2")), body.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            return self.error_response(400, "'prompt' is required", code="missing_required")
        size = str(body.get("size", "1024x1024"))
        gpt_image = model.startswith("gpt-image")
        if gpt_image and "response_format" in body:
            return self.error_response(400, "Unknown parameter: 'response_format'.",
                                       code="unknown_parameter")
        if gpt_image and size not in GPT_IMAGE_SIZES:
            return self.error_response(400, f"Invalid value: '{size}'. Supported values are: "
                                       "'1024x1024', '1024x1536', '1536x1024', and 'auto'.",
                                       code="invalid_value")
        width, height = (int(n) for n in (size if size != "auto" else "1024x1024").split("x"))
        png = self.image_override or image_bytes(width, height, prompt[:40])
        item: dict[str, Any] = {"revised_prompt": None}
        if gpt_image or body.get("response_format") == "b64_json":
            item["b64_json"] = base64.b64encode(png).decode("ascii")
        else:
            item["url"] = self.publish(png, "image/png", "img.png")
        answer: dict[str, Any] = {"created": int(time.time()), "data": [item]}
        if gpt_image:
            quality = str(body.get("quality", "auto"))
            quality = quality if quality in ("low", "medium", "high") else "high"
            shape = "1024x1024" if width == height else "1536x1024"
            input_tokens = round(len(prompt.split()) * self.usage_factor)
            output_tokens = round(IMAGE_TOKENS[(shape, quality)] * self.usage_factor)
            answer.update(background="opaque", output_format="png", quality=quality, size=size,
                          usage={"input_tokens": input_tokens, "output_tokens": output_tokens,
                                 "total_tokens": input_tokens + output_tokens,
                                 "input_tokens_details": {"text_tokens": input_tokens,
                                                          "image_tokens": 0}})
            self.bill("images", model, input_tokens=input_tokens, output_tokens=output_tokens)
        else:
            self.bill("images", model, images=1)
        return web.json_response(answer, headers=self.response_headers())

    async def _speech(self, request: web.Request) -> web.Response:
        body = await request.json()
        text, voice = body.get("input"), body.get("voice")
        if not isinstance(text, str) or not text:
            return self.error_response(400, "'input' is required", code="missing_required")
        if voice not in VOICES:
            return self.error_response(400, f"Invalid value for 'voice': '{voice}'.",
                                       code="invalid_value")
        if body.get("instructions") and str(body.get("model", "")).startswith("tts-1"):
            return self.error_response(400, "instructions are not supported for this model")
        duration_s = max(1.0, len(text.split()) / WORDS_PER_S)
        return web.Response(body=mp3_bytes(duration_s), content_type="audio/mpeg",
                            headers=self.response_headers())

    async def _models(self, request: web.Request) -> web.Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "system"}
                for m in ("gpt-4o-mini", "gpt-image-1", "gpt-4o-mini-tts")]
        return web.json_response({"object": "list", "data": data}, headers=self.response_headers())
