"""The Replicate adapter: any model by ``owner/name[:version]`` for image, video, music and speech.
It journals that a create is being sent, creates a prediction, journals its id before waiting,
polls ``urls.get`` until a terminal state, cancels on task cancellation and downloads the output.
A run that finds a create journaled without its id (a crash cut the answer off) first looks for
that prediction among the account's recent ones. It serves no text role.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from moviebuild.config.enums import Role
from moviebuild.errors import ProviderError
from moviebuild.providers.catalog import DEFAULT_MODELS
from moviebuild.providers.classify import is_refusal
from moviebuild.providers.endpoints import REPLICATE
from moviebuild.providers.http import MediaKind, ProviderSession, timeout_s
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

_MODEL = re.compile(r"^(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)(?::(?P<version>[0-9a-f]{8,}))?$")
_VERSION_ONLY = re.compile(r"^[0-9a-f]{64}$")
_RUNNING = frozenset({"starting", "processing", "queued"})
#: Answers to a create that are read here: made (200, 201) or refused (4xx, nothing made). A 5xx
#: or a lost answer may have made a prediction: it is looked for before the next create.
_CREATE_ANSWERS = (200, 201, *range(400, 500))
#: How many pages of recent predictions are searched for a create whose answer was lost.
_LIST_PAGES = 5
#: Clocks of this machine and Replicate's may disagree by this much.
_CLOCK_SLACK_S = 120.0
#: Where a video model takes its first frame, unless params name another ``start_image_field``.
START_IMAGE_FIELD = "first_frame_image"

log = logging.getLogger("moviebuild.providers.replicate")


def _unix_time(value: Any) -> float | None:
    """Replicate's ISO 8601 time (``2024-01-01T12:00:00.123456Z``) as Unix time."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def output_url(output: Any) -> str | None:
    """The first file URL in a model's output (a string, a list of them, or an object)."""
    if isinstance(output, str):
        return output if output.startswith(("https://", "http://", "data:")) else None
    values = output.values() if isinstance(output, Mapping) else output
    if isinstance(output, Mapping | list | tuple):
        for item in values:
            found = output_url(item)
            if found:
                return found
    return None


def prediction_usage(prediction: Mapping[str, Any]) -> Usage:
    """What a finished prediction bills: ``metrics.predict_time`` (community models bill it on
    their hardware) and the files it made (official models bill per output); its ``version``
    is the model that ran."""
    units: dict[str, float] = {}
    metrics = prediction.get("metrics")
    predict_s = number(metrics.get("predict_time")) if isinstance(metrics, Mapping) else None
    if predict_s is not None:
        units["predict_seconds"] = predict_s
    output = prediction.get("output")
    if prediction.get("status") == "succeeded":
        units["outputs"] = float(len(output)) if isinstance(output, list) else 1.0
    model, version = prediction.get("model"), prediction.get("version")
    ran = f"{model}:{version}" if isinstance(model, str) and isinstance(version, str) else None
    return Usage("replicate", units, ran)


class ReplicateAdapter(PollingAdapter):
    """Replicate over aiohttp. Reads REPLICATE_API_TOKEN and REPLICATE_BASE_URL at each call.

    ``Prefer: wait`` is not sent: a held-open create returns the prediction id only after the wait,
    and the id must be journaled before any waiting for a crashed build to resume it.
    """

    name = "replicate"

    async def generate_image(self, request: ImageRequest, context: CallContext) -> bytes:
        payload = {"prompt": f"{request.prompt}, {request.style} style",
                   "aspect_ratio": request.aspect_ratio, **request.params}
        model = request.model or DEFAULT_MODELS[(self.name, Role.IMAGE)]
        return await self._run(model, payload, "image", context, request.prompt)

    async def generate_video(self, request: VideoRequest, context: CallContext) -> bytes:
        params = dict(request.params)
        field = str(params.pop("start_image_field", START_IMAGE_FIELD))
        payload: dict[str, Any] = {"prompt": f"{request.prompt}, {request.style} style"}
        if request.start_image is not None:
            payload[field] = image_data_uri(request.start_image)
        payload.update(params)
        model = request.model or DEFAULT_MODELS[(self.name, Role.VIDEO)]
        return await self._run(model, payload, "video", context, request.prompt)

    async def generate_music(self, request: MusicRequest, context: CallContext) -> bytes:
        payload = {"prompt": request.prompt, "duration": round(request.duration_s),
                   **request.params}
        model = request.model or DEFAULT_MODELS[(self.name, Role.MUSIC)]
        return await self._run(model, payload, "audio", context, request.prompt)

    async def synthesize_speech(self, request: SpeechRequest, context: CallContext) -> bytes:
        if not request.model:
            raise ProviderError(f"{context.job_id}: replicate has no default speech model",
                                retryable=False, provider=self.name,
                                hint="name one, e.g. `speech: {adapter: replicate, model: "
                                     "owner/name, params: {voice: ...}}`")
        payload = {"text": request.text, **request.params}
        return await self._run(request.model, payload, "audio", context, request.text)

    async def generate_json(self, request: TextRequest, context: CallContext) -> dict[str, Any]:
        raise ProviderError(f"{context.job_id}: the replicate adapter does not serve the text role",
                            retryable=False, provider=self.name,
                            hint="use `text: {adapter: openai}` (or offline) in the Moviefile")

    async def _run(self, model: str, payload: dict[str, Any], kind: MediaKind,
                   context: CallContext, prompt: str | None) -> bytes:
        fingerprint = RemoteJobs.fingerprint(model, payload)
        session = ProviderSession(REPLICATE, context.job_id, timeout_s=timeout_s(self.timeout_s))
        async with session as http:
            for resuming in (True, False):
                if resuming:
                    job = self._jobs.recall(context, fingerprint)
                    if job is None:
                        job = await self._find_lost_create(http, context, fingerprint, model,
                                                           payload)
                    prediction = await self._resume(http, job) if job else None
                    if job is None or prediction is None:
                        continue
                    self._jobs.remember(context, fingerprint, job)
                else:
                    self._jobs.creating(context, fingerprint)
                    prediction, job = await self._create(
                        http, model, payload, prompt, lambda: self._jobs.not_created(context)
                    )
                    self._jobs.remember(context, fingerprint, job)
                prediction = await self._wait(http, job, prediction)
                context.report(prediction_usage(prediction))
                if prediction.get("status") != "succeeded":
                    self._jobs.forget(context, fingerprint)
                    raise _failure(http, job, prediction, prompt)
                url = output_url(prediction.get("output"))
                if url is None:
                    raise http.error(f"prediction {job.job_id} succeeded without a file output",
                                     retryable=False, hint="choose a model that outputs a file")
                data = await http.download(url, kind)
                self._jobs.forget(context, fingerprint)
                return await normalize_media(data, kind, provider=self.name,
                                             job_id=context.job_id)
        raise AssertionError("unreachable: the second round always submits")

    async def _create(self, http: ProviderSession, model: str, payload: dict[str, Any],
                      prompt: str | None,
                      refused: Callable[[], None]) -> tuple[dict[str, Any], RemoteJob]:
        match = _MODEL.match(model)
        if _VERSION_ONLY.match(model) or (match and match["version"]):
            url = f"{http.base_url}/predictions"
            body = {"version": match["version"] if match else model, "input": payload}
        elif match:
            url = f"{http.base_url}/models/{match['owner']}/{match['name']}/predictions"
            body = {"input": payload}
        else:
            raise http.error(f"'{model}' is not a Replicate model (owner/name[:version])",
                             retryable=False, hint="write the model as it appears on replicate.com")
        reply = await http.call("POST", url, json_body=body, prompt=prompt,
                                accept=_CREATE_ANSWERS)
        if reply.status >= 400:
            refused()  # a 4xx answer (a 429 too) made nothing: no prediction to look for
            raise http.classify(reply, prompt)
        prediction = http.json_object(reply)
        urls = prediction.get("urls")
        get_url = urls.get("get") if isinstance(urls, Mapping) else None
        if not isinstance(prediction.get("id"), str) or not isinstance(get_url, str):
            raise http.unexpected(reply, "the prediction has no id or urls.get")
        assert isinstance(urls, Mapping)
        cancel_url = urls.get("cancel")
        cancel_url = cancel_url if isinstance(cancel_url, str) else f"{get_url}/cancel"
        log.info("%s: replicate prediction %s created", http.job_id, prediction["id"])
        job = RemoteJob(self.name, prediction["id"], {"get": get_url, "cancel": cancel_url})
        return prediction, job

    async def _find_lost_create(self, http: ProviderSession, context: CallContext,
                                fingerprint: str, model: str,
                                payload: dict[str, Any]) -> RemoteJob | None:
        """The prediction an earlier run created without journaling its id, found among the
        account's recent predictions (``GET /predictions``, newest first) by its input; None
        when there was no such create, or the account does not list it (then the create is
        sent again, and may be paid twice: logged as such)."""
        sent = self._jobs.created_since(context, fingerprint)
        if sent is None:
            return None
        wanted = json.loads(json.dumps(payload, default=str))
        name = model.split(":", 1)[0]
        url: str | None = f"{http.base_url}/predictions"
        for _page in range(_LIST_PAGES):
            if url is None:
                break
            reply = await http.call("GET", url, accept=(200,), free=True)
            page = http.json_object(reply)
            for item in page.get("results") or []:
                if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                    continue
                created = _unix_time(item.get("created_at"))
                if created is not None and created < sent - _CLOCK_SLACK_S:
                    url = None  # newest first: the rest is older than the lost create
                    break
                if item.get("model") not in (None, name, model):
                    continue
                found = await self._with_input(http, item)
                if found is not None and found.get("input") == wanted:
                    log.info("%s: found replicate prediction %s, created by an earlier run "
                             "whose answer was lost", http.job_id, item["id"])
                    get_url = f"{http.base_url}/predictions/{item['id']}"
                    return RemoteJob(self.name, str(item["id"]),
                                     {"get": get_url, "cancel": f"{get_url}/cancel"})
            else:
                next_url = page.get("next")
                url = next_url if isinstance(next_url, str) and next_url else None
        log.warning("%s: an earlier run sent a create whose answer was lost and the account "
                    "lists no prediction like it: creating again (it may be paid twice)",
                    http.job_id)
        return None

    async def _with_input(self, http: ProviderSession,
                          item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """A listed prediction with its ``input`` (fetched when the listing leaves it out)."""
        if isinstance(item.get("input"), Mapping):
            return item
        reply = await http.call("GET", f"{http.base_url}/predictions/{item['id']}",
                                accept=(200, 404, 410), free=True)
        return http.json_object(reply) if reply.status == 200 else None

    async def _resume(self, http: ProviderSession, job: RemoteJob) -> dict[str, Any] | None:
        """The recalled prediction if it can still deliver, else None (submit anew)."""
        reply = await http.call("GET", self._url(http, job, "get"), accept=(200, 404, 410),
                                free=True)
        if reply.status != 200:
            return None
        prediction = http.json_object(reply)
        status = prediction.get("status")
        if status in _RUNNING or (status == "succeeded" and output_url(prediction.get("output"))):
            log.info("%s: resuming replicate prediction %s", http.job_id, job.job_id)
            return prediction
        return None

    async def _wait(self, http: ProviderSession, job: RemoteJob,
                    prediction: dict[str, Any]) -> dict[str, Any]:
        if prediction.get("status") not in _RUNNING:
            return prediction

        async def poll() -> dict[str, Any] | None:
            reply = await http.call("GET", self._url(http, job, "get"), accept=(200,), free=True)
            found = http.json_object(reply)
            return None if found.get("status") in _RUNNING else found

        async def cancel() -> None:
            await http.call("POST", self._url(http, job, "cancel"), accept=(200, 201, 202))

        return await poll_until_done(
            poll, cancel, interval_s=self.poll_interval_s, max_wait_s=self.max_wait_s,
            describe=f"replicate prediction {job.job_id}",
            too_slow=lambda: http.error(
                f"prediction {job.job_id} still runs after {self.max_wait_s:g} s", retryable=True),
        )

    @staticmethod
    def _url(http: ProviderSession, job: RemoteJob, which: str) -> str:
        """The job's URL, rebuilt from its id when it is not on the current base URL."""
        url = job.urls.get(which, "")
        if url.startswith(http.base_url + "/"):
            return url
        url = f"{http.base_url}/predictions/{job.job_id}"
        return f"{url}/cancel" if which == "cancel" else url


#: Words in a failed prediction's ``error`` that say the infrastructure failed, not the input:
#: worth a new prediction. (A model's own "CUDA out of memory" is such a failure, e.g.
#: https://github.com/replicate/replicate-python/issues/351; cog's worker crash reads "Prediction
#: failed for an unknown reason. It might have run out of memory?",
#: https://github.com/replicate/cog/issues/960.)
_TRANSIENT_FAILURES = ("out of memory", "cuda error", "internal error", "timed out", "timeout",
                       "unknown reason", "connection", "temporarily unavailable",
                       "worker", "please retry", "try again later")


def _failure(http: ProviderSession, job: RemoteJob, prediction: Mapping[str, Any],
             prompt: str | None) -> ProviderError:
    status, error = prediction.get("status"), str(prediction.get("error") or "no reason given")
    if status == "failed":
        text = f"prediction {job.job_id} failed: {error}"
        if is_refusal(error, None):
            return http.refused(f"refused by the content policy: {text}", prompt)
        if any(word in error.lower() for word in _TRANSIENT_FAILURES):
            return http.error(text, retryable=True)
        return http.error(text, retryable=False,
                          hint="the model failed on this input: check its params in the "
                               "Moviefile, run `moviebuild redo` on the job, or choose another "
                               "model")
    if status == "aborted":
        return http.error(f"prediction {job.job_id} was aborted before it started",
                          retryable=True)
    return http.error(f"prediction {job.job_id} ended '{status}'", retryable=False,
                      hint="it was canceled outside this build; build again to submit anew")
