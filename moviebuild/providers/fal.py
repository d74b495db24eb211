"""The fal adapter: image, video and music models through fal's queue API. It submits to
``{queue}/{model}``, journals the request id before waiting, polls the status URL, fetches the
result URL, cancels on task cancellation and downloads the output file. It serves no text role.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from moviebuild.config.enums import Role
from moviebuild.errors import ProviderError
from moviebuild.providers.catalog import DEFAULT_MODELS
from moviebuild.providers.endpoints import FAL
from moviebuild.providers.http import MediaKind, ProviderSession, Reply, timeout_s
from moviebuild.providers.jobs import PollingAdapter, RemoteJob, RemoteJobs, poll_until_done
from moviebuild.providers.media_format import image_data_uri, normalize_media
from moviebuild.providers.requests import (
    CallContext,
    ImageRequest,
    MusicRequest,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)
from moviebuild.providers.usage import Usage, number

_RUNNING = frozenset({"IN_QUEUE", "IN_PROGRESS"})
_ANY_STATUS = tuple(range(200, 600))
#: Output fields searched for the file, per kind, before any other field holding a ``url``.
_OUTPUT_FIELDS: dict[str, tuple[str, ...]] = {
    "image": ("images", "image"),
    "video": ("video", "videos"),
    "audio": ("audio", "audio_file", "audio_url"),
}
#: fal-ai/stable-audio makes at most 47 s.
_STABLE_AUDIO_MAX_S = 47

log = logging.getLogger("moviebuild.providers.fal")


def file_url(output: Any, kind: MediaKind) -> str | None:
    """The URL of the first File object (``{"url": ...}``) in a result, preferring the kind's
    usual fields (``images``, ``video``, ``audio_file``...)."""
    if isinstance(output, Mapping):
        if isinstance(output.get("url"), str):
            return str(output["url"])
        preferred = [output[f] for f in _OUTPUT_FIELDS[kind] if f in output]
        for value in [*preferred, *output.values()]:
            found = file_url(value, kind)
            if found:
                return found
    elif isinstance(output, list):
        return next((u for u in (file_url(item, kind) for item in output) if u), None)
    return None


def video_model(model: str, has_start_image: bool) -> str:
    """A ``.../text-to-video`` endpoint becomes its ``image-to-video`` twin for a start image."""
    if has_start_image and model.endswith("/text-to-video"):
        return model.removesuffix("text-to-video") + "image-to-video"
    return model


class FalAdapter(PollingAdapter):
    """fal over aiohttp. Reads FAL_KEY and FAL_QUEUE_URL (or FAL_BASE_URL) at each call."""

    name = "fal"

    async def generate_image(self, request: ImageRequest, context: CallContext) -> bytes:
        payload = {"prompt": f"{request.prompt}, {request.style} style", "num_images": 1,
                   "image_size": {"width": request.width, "height": request.height},
                   **request.params}
        model = request.model or DEFAULT_MODELS[(self.name, Role.IMAGE)]
        return await self._run(model, payload, "image", context, request.prompt)

    async def generate_video(self, request: VideoRequest, context: CallContext) -> bytes:
        params = dict(request.params)
        field = str(params.pop("start_image_field", "image_url"))
        payload: dict[str, Any] = {"prompt": f"{request.prompt}, {request.style} style",
                                   "aspect_ratio": request.aspect_ratio,
                                   "duration": str(round(request.duration_s))}
        if request.start_image is not None:
            payload[field] = image_data_uri(request.start_image)
        payload.update(params)
        model = video_model(request.model or DEFAULT_MODELS[(self.name, Role.VIDEO)],
                            request.start_image is not None)
        return await self._run(model, payload, "video", context, request.prompt)

    async def generate_music(self, request: MusicRequest, context: CallContext) -> bytes:
        model = request.model or DEFAULT_MODELS[(self.name, Role.MUSIC)]
        seconds = round(request.duration_s)
        if model == "fal-ai/stable-audio":
            seconds = min(seconds, _STABLE_AUDIO_MAX_S)
        payload = {"prompt": request.prompt, "seconds_total": seconds, **request.params}
        return await self._run(model, payload, "audio", context, request.prompt)

    async def synthesize_speech(self, request: SpeechRequest, context: CallContext) -> bytes:
        raise _unserved(context, "speech")

    async def generate_json(self, request: TextRequest, context: CallContext) -> dict[str, Any]:
        raise _unserved(context, "text")

    async def _run(self, model: str, payload: dict[str, Any], kind: MediaKind,
                   context: CallContext, prompt: str | None) -> bytes:
        fingerprint = RemoteJobs.fingerprint(model, payload)
        session = ProviderSession(FAL, context.job_id, timeout_s=timeout_s(self.timeout_s))
        async with session as http:
            for resuming in (True, False):
                if resuming:
                    recalled = self._jobs.recall(context, fingerprint)
                    if recalled is None:
                        continue
                    job = recalled
                    log.info("%s: resuming fal request %s", context.job_id, job.job_id)
                else:
                    job = await self._submit(http, model, payload, prompt)
                    self._jobs.remember(context, fingerprint, job)
                if not await self._wait(http, job, model, resuming):
                    continue
                reply = await self._result(http, job, model, prompt)
                if reply.status != 200:
                    # The request is over: fal replays its error on the result URL for up to an
                    # hour, so it is forgotten (in the journal too) and the next attempt (or
                    # this one, when it was recalled) submits anew instead of resuming the same
                    # failure.
                    self._jobs.forget(context, fingerprint, durably=True)
                    if resuming:
                        continue
                    if reply.status == 400 and b"cancel" in reply.body.lower():
                        raise http.error(f"request {job.job_id} was cancelled outside this "
                                         "build", retryable=False, reply=reply,
                                         hint="build again to submit it anew")
                    raise http.classify(reply, prompt)
                result = http.json_object(reply)
                context.report(result_usage(reply, payload, kind))
                url = file_url(result, kind)
                if url is None:
                    raise http.error(f"request {job.job_id} finished without a {kind} file",
                                     retryable=False, hint="choose a model that outputs a file")
                data = await http.download(url, kind)
                self._jobs.forget(context, fingerprint)
                return await normalize_media(data, kind, provider=self.name,
                                             job_id=context.job_id)
        raise AssertionError("unreachable: the second round always submits")

    async def _submit(self, http: ProviderSession, model: str, payload: dict[str, Any],
                      prompt: str | None) -> RemoteJob:
        reply = await http.call("POST", f"{http.base_url}/{model.strip('/')}", json_body=payload,
                                prompt=prompt)
        data = http.json_object(reply)
        request_id = data.get("request_id")
        if not isinstance(request_id, str):
            raise http.unexpected(reply, "the submission has no request_id")
        urls = {which: data.get(f"{which}_url") or self._url(http, model, request_id, which)
                for which in ("status", "response", "cancel")}
        log.info("%s: fal request %s submitted", http.job_id, request_id)
        return RemoteJob(self.name, request_id, {k: str(v) for k, v in urls.items()})

    async def _wait(self, http: ProviderSession, job: RemoteJob, model: str,
                    resuming: bool) -> bool:
        """True once the request is COMPLETED; False when a recalled request is gone (404,
        cancelled): the caller submits anew."""

        async def poll() -> bool | None:
            reply = await http.call("GET", self._job_url(http, job, model, "status"),
                                    accept=(200, 202, 404), free=True)
            if reply.status == 404:
                return False
            status = http.json_object(reply).get("status")
            if status in _RUNNING:
                return None
            if status == "COMPLETED":
                return True
            if resuming:
                return False
            raise http.error(f"request {job.job_id} ended '{status}'", retryable=False,
                             hint="it was cancelled outside this build; build again to submit anew")

        async def cancel() -> None:
            await http.call("PUT", self._job_url(http, job, model, "cancel"),
                            accept=(200, 202, 400))

        return await poll_until_done(
            poll, cancel, interval_s=self.poll_interval_s, max_wait_s=self.max_wait_s,
            describe=f"fal request {job.job_id}",
            too_slow=lambda: http.error(
                f"request {job.job_id} still runs after {self.max_wait_s:g} s", retryable=True),
        )

    async def _result(self, http: ProviderSession, job: RemoteJob, model: str,
                      prompt: str | None) -> Reply:
        """The result reply of a COMPLETED request: 200 with the output, or the request's own
        failure. A gateway's 429/5xx (no ``X-Fal-Error-Type``) is retried on the free budget;
        a 5xx that outlasts it is the request's own answer: fal does not retry an app's own 500
        (https://fal.ai/docs/documentation/deployment/readiness-liveness, "500 ... Retried:
        No"), so re-reading it again can never succeed."""
        url = self._job_url(http, job, model, "response")
        unlabelled: list[Reply] = []

        async def fetch() -> Reply:
            reply = await http.call("GET", url, accept=_ANY_STATUS, prompt=prompt)
            if reply.status != 200 and not _request_failed(reply):
                unlabelled.append(reply)
                raise http.classify(reply, prompt)
            return reply

        try:
            return await http.retrying(fetch, f"result of fal request {job.job_id}")
        except ProviderError:
            if unlabelled and unlabelled[-1].status >= 500:
                log.info("%s: fal request %s keeps answering HTTP %d; submitting anew",
                         http.job_id, job.job_id, unlabelled[-1].status)
                return unlabelled[-1]
            raise

    def _job_url(self, http: ProviderSession, job: RemoteJob, model: str, which: str) -> str:
        url = job.urls.get(which, "")
        return url if url.startswith(http.base_url + "/") else self._url(
            http, model, job.job_id, which)

    @staticmethod
    def _url(http: ProviderSession, model: str, request_id: str, which: str) -> str:
        """fal's lifecycle URLs name only ``owner/app``: the model's subpath is dropped."""
        app = "/".join(model.strip("/").split("/")[:2])
        base = f"{http.base_url}/{app}/requests/{request_id}"
        return {"status": f"{base}/status", "cancel": f"{base}/cancel"}.get(which, base)


def result_usage(reply: Reply, payload: Mapping[str, Any], kind: MediaKind) -> Usage:
    """fal's ``x-fal-billable-units`` (in the model's own unit); when a result lacks it, the
    same unit counted from the request: megapixels of an image, seconds of video or audio."""
    billed = number(reply.headers.get("x-fal-billable-units"))
    if billed is None:
        billed = _requested_units(payload, kind)
    return Usage("fal", {"billable_units": billed})


def _requested_units(payload: Mapping[str, Any], kind: MediaKind) -> float:
    if kind == "image":
        size = payload.get("image_size")
        if isinstance(size, Mapping):
            width, height = number(size.get("width")) or 0, number(size.get("height")) or 0
            return width * height / 1e6 * (number(payload.get("num_images")) or 1)
        return 1.0
    seconds = payload.get("duration") if kind == "video" else payload.get("seconds_total")
    return number(seconds) or 0.0


def _request_failed(reply: Reply) -> bool:
    """True when a result reply is the request's own outcome, not a gateway's hiccup: any 4xx
    but 429, or an error fal types as the request's (``X-Fal-Error-Type``, ``error_type``;
    https://docs.fal.ai/documentation/model-apis/request-errors)."""
    if 400 <= reply.status < 500 and reply.status not in (408, 429):
        return True
    return "x-fal-error-type" in reply.headers or b'"error_type"' in reply.body


def _unserved(context: CallContext, role: str) -> ProviderError:
    return ProviderError(
        f"{context.job_id}: the fal adapter does not serve the {role} role", retryable=False,
        provider="fal", hint=f"choose another adapter for {role} in the Moviefile's providers:",
    )
