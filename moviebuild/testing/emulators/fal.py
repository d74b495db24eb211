"""A fal queue emulator: submit to ``/{model}``, lifecycle URLs that drop the model's subpath,
``IN_QUEUE -> IN_PROGRESS -> COMPLETED`` after ``polls_to_finish`` status polls (202 until done),
results in fal's File shapes (JPEG images, MP4 video, MP3 audio) served from a stand-in for
fal.media, cancellation, and fal's error bodies. No sync ``fal.run`` host, SSE status or webhooks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from moviebuild.testing.emulators.base import Emulator, Fault, FaultKind, handler_fault
from moviebuild.testing.emulators.media import image_bytes, mp3_bytes, mp4_bytes

#: fal's request error types (https://docs.fal.ai/documentation/model-apis/request-errors).
REQUEST_ERROR_TYPES = frozenset({
    "request_timeout", "startup_timeout", "runner_scheduling_failure",
    "runner_connection_timeout", "runner_disconnected", "runner_connection_refused",
    "runner_connection_error", "runner_incomplete_response", "runner_server_error",
    "internal_error"})


def output_kind(model: str) -> str:
    lowered = model.lower()
    if "video" in lowered:
        return "video"
    return "audio" if any(w in lowered for w in ("audio", "music", "sound")) else "image"


@dataclass
class QueuedRequest:
    """One queue request; ``polls`` counts status GETs, which drive its progress."""

    id: str
    model: str
    app: str
    input: dict[str, Any]
    kind: str
    will_fail: bool = False
    failure: str | None = None
    cancelled: bool = False
    status: str = "IN_QUEUE"
    polls: int = 0
    result: dict[str, Any] | None = None
    billable_units: float = 0.0


class FalEmulator(Emulator):
    """``POST /{model}``, ``GET /{owner}/{app}/requests/{id}/status``, ``GET .../requests/{id}``,
    ``PUT .../requests/{id}/cancel``.

    Route names for faults: ``submit``, ``status``, ``result``, ``cancel``, ``files``. A
    ``fail-job`` fault on ``submit`` makes that request complete with a 422 content-policy result,
    or, when its message is a request error type (``runner_disconnected``...), with a 503 that
    fal replays on the result URL. A cancelled request completes and answers its result with
    a 400.
    """

    provider = "fal"
    key_env = "FAL_KEY"
    base_env = "FAL_QUEUE_URL"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.queue: dict[str, QueuedRequest] = {}

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/", self._root, name="root")
        router.add_get("/{owner}/{app}/requests/{id}/status", self._status, name="status")
        router.add_put("/{owner}/{app}/requests/{id}/cancel", self._cancel, name="cancel")
        router.add_get("/{owner}/{app}/requests/{id}", self._result, name="result")
        router.add_post("/{model:.+}", self._submit, name="submit")

    def presented_key(self, request: web.Request) -> str | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return key if scheme == "Key" else None

    def response_headers(self) -> dict[str, str]:
        return {"x-fal-request-id": str(uuid.uuid4())}

    def error_response(self, status: int, message: str, *, code: str | None = None,
                       headers: Mapping[str, str] | None = None) -> web.Response:
        extra = {**self.response_headers(), **(headers or {})}
        if status == 422:
            body: dict[str, Any] = {"detail": [{
                "loc": ["body", "prompt"], "msg": message, "type": code or "value_error",
                "url": f"https://docs.fal.ai/errors#{code or 'value_error'}", "input": None}]}
            extra["X-Fal-Retryable"] = "false"
        elif code in REQUEST_ERROR_TYPES:
            # A request's own failure (runner, timeout): typed in the body and a header.
            body = {"detail": message, "error_type": code}
            extra["X-Fal-Error-Type"] = code
        else:
            # The gateway's answers (rate limits, overload) carry only a detail.
            body = {"detail": message}
        return web.json_response(body, status=status, headers=extra)

    def fault_response(self, fault: Fault, route: str) -> web.StreamResponse | None:
        if fault.kind is FaultKind.REFUSAL:
            return self.error_response(422, fault.message or "The content could not be "
                                       "processed because it contained material flagged by a "
                                       "content checker.", code="content_policy_violation")
        return super().fault_response(fault, route)

    def _urls(self, job: QueuedRequest) -> dict[str, str]:
        base = f"{self.url}/{job.app}/requests/{job.id}"
        return {"response_url": base, "status_url": f"{base}/status",
                "cancel_url": f"{base}/cancel"}

    def _find(self, request: web.Request) -> QueuedRequest | None:
        job = self.queue.get(request.match_info["id"])
        app = f"{request.match_info['owner']}/{request.match_info['app']}"
        return job if job is not None and job.app == app else None

    def _complete(self, job: QueuedRequest) -> None:
        # COMPLETED only once the result exists: a poll between the two would otherwise read a
        # finished request without a result (a content refusal) on a slow machine.
        if job.will_fail:
            job.status = "COMPLETED"
            return
        prompt = str(job.input.get("prompt", ""))
        if job.kind == "video":
            seconds = float(str(job.input.get("duration", "5")) or 5)
            data, job.billable_units = mp4_bytes(seconds), seconds
            job.result = {"video": self._file(data, "video/mp4", "output.mp4"), "seed": 42}
        elif job.kind == "audio":
            seconds = float(job.input.get("seconds_total", 10))
            data, job.billable_units = mp3_bytes(min(seconds, 30.0)), seconds
            job.result = {"audio_file": self._file(data, "audio/mpeg", "output.mp3")}
        else:
            size = job.input.get("image_size")
            width, height = ((int(size["width"]), int(size["height"]))
                             if isinstance(size, dict) else (1024, 768))
            data = image_bytes(min(width, 512), min(height, 512), prompt[:40], "JPEG")
            job.billable_units = round(width * height / 1e6, 4)
            image = {**self._file(data, "image/jpeg", "image.jpg"), "width": width,
                     "height": height}
            job.result = {"images": [image], "seed": 42, "prompt": prompt,
                          "has_nsfw_concepts": [False], "timings": {"inference": 0.01}}
        job.status = "COMPLETED"

    def _billed(self, job: QueuedRequest) -> None:
        self.bill("result", job.model, billable_units=job.billable_units)

    def _file(self, data: bytes, content_type: str, name: str) -> dict[str, Any]:
        return {"url": self.publish(data, content_type, name), "content_type": content_type,
                "file_name": name, "file_size": len(data)}

    async def _root(self, request: web.Request) -> web.Response:
        return web.json_response({"detail": "fal queue emulator"})

    async def _submit(self, request: web.Request) -> web.Response:
        model = request.match_info["model"].strip("/")
        body = await request.json()
        if model.count("/") < 1:
            return self.error_response(404, f"Application '{model}' not found")
        if not isinstance(body, dict) or not body.get("prompt"):
            return self.error_response(422, "Field required")
        fault = handler_fault()
        failing = fault is not None and fault.kind is FaultKind.FAIL_JOB
        job = QueuedRequest(str(uuid.uuid4()), model, "/".join(model.split("/")[:2]), body,
                            output_kind(model), will_fail=failing,
                            failure=fault.message if failing and fault is not None else None)
        self.queue[job.id] = job
        self.counters["submissions"] += 1
        answer = {"request_id": job.id, "status": job.status, "queue_position": 2,
                  **self._urls(job)}
        return web.json_response(answer, headers=self.response_headers())

    async def _status(self, request: web.Request) -> web.Response:
        job = self._find(request)
        if job is None:
            return web.json_response({"detail": "Request not found"}, status=404)
        self.counters["polls"] += 1
        if job.status in ("IN_QUEUE", "IN_PROGRESS"):
            job.polls += 1
            job.status = "IN_PROGRESS" if job.polls >= self.polls_to_finish // 2 else "IN_QUEUE"
            if job.polls >= self.polls_to_finish:
                await asyncio.to_thread(self._complete, job)
                if job.result is not None:
                    self._billed(job)
        answer: dict[str, Any] = {"status": job.status, "response_url": self._urls(job)[
            "response_url"]}
        if job.status == "IN_QUEUE":
            answer["queue_position"] = max(0, self.polls_to_finish // 2 - job.polls)
        answer["logs"] = None
        if request.query.get("logs") in ("1", "true") and job.status != "IN_QUEUE":
            answer["logs"] = [{"message": "emulating", "level": "INFO", "source": "USER",
                               "timestamp": "2025-01-01T00:00:00Z"}]
        if job.status == "COMPLETED":
            answer["metrics"] = {"inference_time": 0.01}
        return web.json_response(answer, status=200 if job.status == "COMPLETED" else 202,
                                 headers=self.response_headers())

    async def _result(self, request: web.Request) -> web.Response:
        job = self._find(request)
        if job is None:
            return web.json_response({"detail": "Request not found"}, status=404)
        if job.status != "COMPLETED":
            return web.json_response({"detail": "Request is still in progress"}, status=400)
        if job.cancelled:
            return web.json_response({"detail": "Request was cancelled"}, status=400,
                                     headers=self.response_headers())
        if job.failure in REQUEST_ERROR_TYPES:
            assert job.failure is not None
            return self.error_response(503, job.failure.replace("_", " ").capitalize(),
                                       code=job.failure)
        if job.result is None:
            return self.error_response(422, "The content could not be processed because it "
                                       "contained material flagged by a content checker.",
                                       code="content_policy_violation")
        # fal's toolkit reports what the request billed, in the model's unit (megapixels of an
        # image, seconds of video or audio).
        headers = {**self.response_headers(), "x-fal-billable-units": f"{job.billable_units:g}"}
        return web.json_response(job.result, headers=headers)

    async def _cancel(self, request: web.Request) -> web.Response:
        job = self._find(request)
        if job is None:
            return web.json_response({"status": "NOT_FOUND"}, status=404)
        self.counters["cancels"] += 1
        if job.status == "COMPLETED":
            return web.json_response({"status": "ALREADY_COMPLETED"}, status=400)
        # fal never reports a CANCELLED status: the request completes and its result is an
        # error (https://docs.fal.ai/documentation/deployment/requests lists only IN_QUEUE,
        # IN_PROGRESS and COMPLETED).
        job.status, job.cancelled = "COMPLETED", True
        return web.json_response({"status": "CANCELLATION_REQUESTED"}, status=202)
