"""A Replicate emulator: predictions created by version or by official model name, moved
``starting -> processing -> succeeded`` after ``polls_to_finish`` polls, cancelled on request,
``Prefer: wait`` honoured, outputs (WebP images, MP4 video, MP3 audio) served from a stand-in for
replicate.delivery, and problem+json errors. No webhooks, streams, deployments or trainings.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from moviebuild.providers.catalog import MUSICGEN_VERSION
from moviebuild.testing.emulators.base import Emulator, Fault, FaultKind, handler_fault
from moviebuild.testing.emulators.media import image_bytes, mp3_bytes, mp4_bytes

_VIDEO_WORDS = ("video", "kling", "minimax", "hunyuan", "wan-", "luma", "veo", "seedance")
_AUDIO_WORDS = ("music", "audio", "sound", "tts", "speech", "kokoro", "bark")
_TERMINAL = ("succeeded", "failed", "canceled", "aborted")
#: Models Replicate runs by name (its "official" models); others need a version.
OFFICIAL_MODELS = frozenset({
    "black-forest-labs/flux-schnell", "black-forest-labs/flux-dev", "black-forest-labs/flux-pro",
    "black-forest-labs/flux-1.1-pro", "minimax/video-01", "minimax/music-01",
    "kwaivgi/kling-v2.1", "google/veo-3", "stability-ai/stable-audio-2.5",
    "ideogram-ai/ideogram-v3-turbo", "recraft-ai/recraft-v3"})


def output_kind(model: str) -> str:
    """``video``, ``audio`` or ``image``, guessed from the model's name."""
    lowered = model.lower()
    if any(word in lowered for word in _VIDEO_WORDS):
        return "video"
    return "audio" if any(word in lowered for word in _AUDIO_WORDS) else "image"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Prediction:
    """One prediction's state; ``polls`` counts GETs, which drive its progress."""

    id: str
    model: str
    version: str
    input: dict[str, Any]
    kind: str
    will_fail: bool = False
    failure: str | None = None
    status: str = "starting"
    polls: int = 0
    output: Any = None
    error: str | None = None
    data_removed: bool = False
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    completed_at: str | None = None


class ReplicateEmulator(Emulator):
    """``POST /v1/predictions``, ``POST /v1/models/{owner}/{name}/predictions``,
    ``GET /v1/predictions`` (the account's predictions, newest first, ``page_size`` a page with
    ``next``/``previous`` cursors, as Replicate's API documents), ``GET /v1/predictions/{id}``,
    ``POST /v1/predictions/{id}/cancel``, ``GET /v1/account``.

    Route names for faults: ``create``, ``list``, ``poll``, ``cancel``, ``account``, ``files``. A
    ``fail-job`` fault on ``create`` makes that prediction end ``failed``. ``inline_outputs``
    returns ``data:`` URIs when the client sent ``Prefer: wait``. A model run by name that is not
    in ``official_models`` gets Replicate's 404, as community models do.
    """

    provider = "replicate"
    key_env = "REPLICATE_API_TOKEN"
    base_env = "REPLICATE_BASE_URL"
    base_path = "/v1"

    def __init__(self, *, inline_outputs: bool = False, **options: Any) -> None:
        super().__init__(**options)
        self.inline_outputs = inline_outputs
        self.predictions: dict[str, Prediction] = {}
        self.model_kinds: dict[str, str] = {}
        self.official_models: set[str] = set(OFFICIAL_MODELS)
        self.versions: dict[str, str] = {MUSICGEN_VERSION: "meta/musicgen"}
        self.page_size = 100

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/predictions", self._create, name="create")
        router.add_post("/v1/models/{owner}/{name}/predictions", self._create, name="create.model")
        router.add_get("/v1/predictions", self._list, name="list")
        router.add_get("/v1/predictions/{id}", self._poll, name="poll")
        router.add_post("/v1/predictions/{id}/cancel", self._cancel, name="cancel")
        router.add_get("/v1/account", self._account, name="account")

    def response_headers(self) -> dict[str, str]:
        return {"ratelimit-remaining": "599", "ratelimit-reset": "1"}

    def error_response(self, status: int, message: str, *, code: str | None = None,
                       headers: Mapping[str, str] | None = None) -> web.Response:
        titles = {401: "Unauthenticated", 404: "Not found", 422: "Input validation failed",
                  500: "Internal server error"}
        body: dict[str, Any] = {"title": titles.get(status, "Error"), "detail": message,
                                "status": status}
        if status == 429:
            body = {"detail": f"Request was throttled. Your rate limit resets in ~{message}s.",
                    "status": 429}
        return web.json_response(body, status=status, content_type="application/problem+json",
                                 headers={**self.response_headers(), **(headers or {})})

    def fault_response(self, fault: Fault, route: str) -> web.StreamResponse | None:
        if fault.kind is FaultKind.RATE_LIMIT:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return self.error_response(429, fault.retry_after or "30", headers=headers)
        if fault.kind is FaultKind.REFUSAL:
            return self.error_response(422, fault.message or "- input.prompt: flagged as "
                                       "sensitive (E005)", code="content_policy_violation")
        return super().fault_response(fault, route)

    def expire(self, prediction_id: str) -> None:
        """What Replicate does an hour after a prediction: drop its output."""
        found = self.predictions[prediction_id]
        found.output, found.data_removed = None, True

    def _view(self, p: Prediction) -> dict[str, Any]:
        get = f"{self.base_url}/predictions/{p.id}"
        view: dict[str, Any] = {
            "id": p.id, "model": p.model, "version": p.version, "input": p.input, "logs": "",
            "output": p.output, "error": p.error, "status": p.status, "source": "api",
            "data_removed": p.data_removed, "created_at": p.created_at,
            "urls": {"get": get, "cancel": f"{get}/cancel", "web": f"{self.url}/p/{p.id}"},
        }
        if p.started_at:
            view["started_at"] = p.started_at
        if p.completed_at:
            view.update(completed_at=p.completed_at, metrics=self._metrics(p))
        return view

    @staticmethod
    def _metrics(p: Prediction) -> dict[str, float]:
        return {"predict_time": round(0.5 + 0.25 * p.polls, 3),
                "total_time": round(0.6 + 0.25 * p.polls, 3)}

    def _finish(self, p: Prediction, inline: bool = False) -> None:
        p.started_at = p.started_at or _now()
        p.completed_at = _now()
        if p.will_fail:
            p.status, p.error = "failed", p.failure or (
                "NSFW content detected. Try running it again, or try a different prompt.")
            return
        prompt = str(p.input.get("prompt", p.input.get("text", "")))
        if p.kind == "video":
            data, content_type, name = mp4_bytes(6.0), "video/mp4", "output.mp4"
        elif p.kind == "audio":
            seconds = float(p.input.get("duration", 8))
            data, content_type, name = mp3_bytes(min(seconds, 30.0)), "audio/mpeg", "out.mp3"
        else:
            data, content_type = image_bytes(256, 144, prompt[:40], "WEBP"), "image/webp"
            name = "out-0.webp"
        if inline:
            url = f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
        else:
            url = self.publish(data, content_type, name)
        p.status, p.output = "succeeded", [url] if p.kind == "image" else url
        self.bill("poll", f"{p.model}:{p.version}", outputs=1, **self._metrics(p))

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        info = request.match_info
        if "owner" in info:
            model, version = f"{info['owner']}/{info['name']}", "official"
            if model not in self.official_models:
                # What Replicate answers for a community model run by name (see
                # https://github.com/replicate/replicate-javascript/issues/347).
                return web.json_response(
                    {"detail": "The requested resource could not be found.", "status": 404},
                    status=404, headers=self.response_headers())
        else:
            version = str(body.get("version", ""))
            model, _, version = version.rpartition(":") if ":" in version else ("", "", version)
            if not re.fullmatch(r"[0-9a-f]{8,64}", version):
                return self.error_response(422, "Invalid version or not permitted")
            model = model or self.versions.get(version) or f"emulated/model-{version[:8]}"
        model_input = body.get("input")
        if not isinstance(model_input, dict) or not (model_input.get("prompt")
                                                     or model_input.get("text")):
            return self.error_response(422, "- input.prompt: Missing required field")
        fault = handler_fault()
        failing = fault is not None and fault.kind is FaultKind.FAIL_JOB
        prediction = Prediction(self.next_id("pr"), model, version, model_input,
                                self.model_kinds.get(model) or output_kind(model),
                                will_fail=failing,
                                failure=fault.message if failing and fault is not None else None)
        self.predictions[prediction.id] = prediction
        self.counters["submissions"] += 1
        headers = self.response_headers()
        prefer = request.headers.get("Prefer", "")
        if prefer.startswith("wait"):
            wait_s = float(prefer.partition("=")[2] or 60)
            headers["Preference-Applied"] = f"wait={wait_s:g}"
            await asyncio.to_thread(self._finish, prediction, self.inline_outputs)
        return web.json_response(self._view(prediction), status=201, headers=headers)

    async def _list(self, request: web.Request) -> web.Response:
        newest_first = list(reversed(self.predictions.values()))
        try:
            start = max(0, int(request.query.get("cursor", "0")))
        except ValueError:
            return self.error_response(400, "invalid cursor")
        end = start + self.page_size
        url = f"{self.base_url}/predictions"
        body = {
            "next": f"{url}?cursor={end}" if end < len(newest_first) else None,
            "previous": f"{url}?cursor={max(0, start - self.page_size)}" if start else None,
            "results": [self._view(p) for p in newest_first[start:end]],
        }
        return web.json_response(body, headers=self.response_headers())

    async def _poll(self, request: web.Request) -> web.Response:
        prediction = self.predictions.get(request.match_info["id"])
        if prediction is None:
            return self.error_response(404, "Prediction not found")
        self.counters["polls"] += 1
        if prediction.status not in _TERMINAL:
            prediction.polls += 1
            prediction.status, prediction.started_at = "processing", prediction.started_at or _now()
            if prediction.polls >= self.polls_to_finish:
                await asyncio.to_thread(self._finish, prediction)
        return web.json_response(self._view(prediction), headers=self.response_headers())

    async def _cancel(self, request: web.Request) -> web.Response:
        prediction = self.predictions.get(request.match_info["id"])
        if prediction is None:
            return self.error_response(404, "Prediction not found")
        self.counters["cancels"] += 1
        if prediction.status not in _TERMINAL:
            prediction.status, prediction.completed_at = "canceled", _now()
        return web.json_response(self._view(prediction), headers=self.response_headers())

    async def _account(self, request: web.Request) -> web.Response:
        return web.json_response({"type": "user", "username": "emulator", "name": "Emulator",
                                  "github_url": None}, headers=self.response_headers())
