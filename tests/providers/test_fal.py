"""The fal adapter against its emulator: queue URLs without the subpath, model inputs and
outputs, failures surfaced by the result, and resuming queued requests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import pytest

from moviebuild.errors import ProviderError
from moviebuild.providers.fal import FalAdapter, file_url, video_model
from moviebuild.providers.offline.audio import mp3_duration_s
from moviebuild.providers.requests import CallContext, ImageRequest, MusicRequest, VideoRequest
from moviebuild.testing.emulators import FalEmulator, FaultKind
from moviebuild.testing.emulators.media import image_bytes

IMAGE = ImageRequest("a red fox in snow", "watercolor", 1280, 720, "16:9")


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _context(remembered: list[Mapping[str, Any]] | None = None,
             recall: Mapping[str, Any] | None = None) -> CallContext:
    return CallContext("StartingImage[2]", recall=recall or {},
                       remember=remembered.append if remembered is not None else lambda d: None)


def test_an_image_is_submitted_polled_on_the_app_url_and_stored_as_png(
        fal_emulator: FalEmulator) -> None:
    fal_emulator.polls_to_finish = 3
    data = _run(FalAdapter().generate_image(IMAGE, _context()))
    assert data.startswith(b"\x89PNG")
    paths = [r.path for r in fal_emulator.requests]
    assert paths[0] == "/fal-ai/flux/schnell"
    assert all(p.startswith("/fal-ai/flux/requests/") for p in paths[1:-1])
    assert fal_emulator.requests[0].body == {
        "prompt": "a red fox in snow, watercolor style", "num_images": 1,
        "image_size": {"width": 1280, "height": 720}}
    assert [r.sent_key for r in fal_emulator.requests] == [True] * 5 + [False]


def test_a_start_image_switches_text_to_video_to_its_image_to_video_twin(
        fal_emulator: FalEmulator) -> None:
    start = image_bytes(32, 18, "start")
    request = VideoRequest("the fox runs", "anime", 1280, 720, "16:9", 10.0, start_image=start)
    assert _run(FalAdapter().generate_video(request, _context()))[4:8] == b"ftyp"
    submit = fal_emulator.requests[0]
    assert submit.path == "/fal-ai/kling-video/v2.1/standard/image-to-video"
    assert submit.body["image_url"].startswith("data:image/png;base64,")
    assert submit.body["duration"] == "10" and submit.body["aspect_ratio"] == "16:9"
    assert video_model("owner/custom", True) == "owner/custom"


def test_stable_audio_gets_at_most_47_seconds(fal_emulator: FalEmulator) -> None:
    audio = _run(FalAdapter().generate_music(MusicRequest("calm piano", 60.0), _context()))
    assert mp3_duration_s(audio) > 1
    assert fal_emulator.requests[0].body == {"prompt": "calm piano", "seconds_total": 47}


def test_a_job_that_fails_reports_the_result_error_with_the_prompt(
        fal_emulator: FalEmulator) -> None:
    fal_emulator.faults.add("submit", FaultKind.FAIL_JOB)
    with pytest.raises(ProviderError, match=r"content_policy|content checker") as caught:
        _run(FalAdapter().generate_image(IMAGE, _context()))
    assert not caught.value.retryable and "a red fox in snow" in (caught.value.hint or "")


@pytest.mark.parametrize("spoil", ["cancelled", "unknown", "failed"])
def test_a_recalled_request_that_cannot_deliver_is_submitted_anew(
        fal_emulator: FalEmulator, spoil: str) -> None:
    remembered: list[Mapping[str, Any]] = []
    _run(FalAdapter().generate_image(IMAGE, _context(remembered)))
    job = fal_emulator.queue[remembered[0]["prediction_id"]]
    if spoil == "cancelled":
        job.cancelled = True
    elif spoil == "unknown":
        del fal_emulator.queue[job.id]
    else:
        job.result = None
    data = _run(FalAdapter().generate_image(IMAGE, _context(recall=remembered[0])))
    assert data.startswith(b"\x89PNG")
    assert fal_emulator.counters["submissions"] == 2


def test_an_engine_retry_in_the_same_build_resumes_the_request(fal_emulator: FalEmulator) -> None:
    fal_emulator.faults.add("status", FaultKind.SERVER_ERROR, times=8)
    adapter = FalAdapter()
    with pytest.raises(ProviderError) as caught:
        _run(adapter.generate_image(IMAGE, _context()))
    assert caught.value.retryable
    assert _run(adapter.generate_image(IMAGE, _context())).startswith(b"\x89PNG")
    assert fal_emulator.counters["submissions"] == 1


def test_a_gateway_error_on_the_result_is_retried_without_an_engine_attempt(
        fal_emulator: FalEmulator) -> None:
    fal_emulator.faults.add("result", FaultKind.SERVER_ERROR, times=2)
    fal_emulator.faults.add("status", FaultKind.RATE_LIMIT, times=2, retry_after=None)
    assert _run(FalAdapter().generate_image(IMAGE, _context())).startswith(b"\x89PNG")
    assert fal_emulator.counters["submissions"] == 1


# fal replays a request's own failure on its result URL (typed by error_type and the
# X-Fal-Error-Type header: https://docs.fal.ai/documentation/model-apis/request-errors, body
# {"detail": "Runner disconnected", "error_type": "runner_disconnected"}). Resuming it can
# only fail again, so the retry must submit anew.
FAILED_RESULT = {"detail": "Runner disconnected", "error_type": "runner_disconnected"}


def test_a_failed_result_is_forgotten_so_the_engine_retry_submits_anew(
        fal_emulator: FalEmulator) -> None:
    fal_emulator.faults.add("submit", FaultKind.FAIL_JOB, message="runner_disconnected")
    adapter = FalAdapter()
    with pytest.raises(ProviderError, match="Runner disconnected") as caught:
        _run(adapter.generate_image(IMAGE, _context()))
    assert caught.value.retryable
    assert fal_emulator.counters["result"] == 1
    assert _run(adapter.generate_image(IMAGE, _context())).startswith(b"\x89PNG")
    assert fal_emulator.counters["submissions"] == 2


def test_a_recalled_request_whose_result_failed_is_submitted_anew_in_a_later_build(
        fal_emulator: FalEmulator) -> None:
    fal_emulator.faults.add("submit", FaultKind.FAIL_JOB, message="runner_disconnected")
    remembered: list[Mapping[str, Any]] = []
    with pytest.raises(ProviderError):
        _run(FalAdapter().generate_image(IMAGE, _context(remembered)))
    later = FalAdapter()
    assert _run(later.generate_image(IMAGE, _context(recall=remembered[0]))).startswith(
        b"\x89PNG")
    assert fal_emulator.counters["submissions"] == 2


def test_the_emulator_replays_the_documented_request_error_body(
        fal_emulator: FalEmulator) -> None:
    from moviebuild.providers.classify import Reply
    from moviebuild.providers.fal import _request_failed

    body = json.dumps(FAILED_RESULT).encode()
    assert _request_failed(Reply(503, {"x-fal-error-type": "runner_disconnected"}, body, "u"))
    assert not _request_failed(Reply(503, {}, b'{"detail": "Service Unavailable"}', "u"))


def test_cancelling_a_finished_request_is_harmless(fal_emulator: FalEmulator) -> None:
    from moviebuild.providers.endpoints import FAL
    from moviebuild.providers.http import ProviderSession

    remembered: list[Mapping[str, Any]] = []
    _run(FalAdapter().generate_image(IMAGE, _context(remembered)))

    async def cancel() -> int:
        async with ProviderSession(FAL, "Job", timeout_s=1.0) as session:
            reply = await session.call("PUT", remembered[0]["urls"]["cancel"], accept=(400,))
            return reply.status

    assert _run(cancel()) == 400


@pytest.mark.parametrize(("output", "kind", "url"), [
    ({"images": [{"url": "https://v3.fal.media/a.jpg", "width": 8}]}, "image",
     "https://v3.fal.media/a.jpg"),
    ({"video": {"url": "https://v3.fal.media/v.mp4"}, "seed": 1}, "video",
     "https://v3.fal.media/v.mp4"),
    ({"audio_file": {"url": "https://v3.fal.media/a.wav"}}, "audio", "https://v3.fal.media/a.wav"),
    ({"thumbnail": {"url": "https://t"}, "audio": {"url": "https://a"}}, "audio", "https://a"),
    ({"seed": 1}, "image", None),
])
def test_the_file_is_found_in_fal_output_shapes(output: Any, kind: str, url: str | None) -> None:
    assert file_url(output, kind) == url  # type: ignore[arg-type]


def test_a_request_cancelled_outside_the_build_completes_and_says_so(
        fal_emulator: FalEmulator) -> None:
    # fal reports no CANCELLED status: the cancelled request completes and its result is an
    # error, which is what the adapter must read.
    fal_emulator.polls_to_finish = 10_000

    async def run() -> None:
        task = asyncio.create_task(FalAdapter().generate_image(IMAGE, _context()))
        while not fal_emulator.counters["polls"]:
            await asyncio.sleep(0.005)
        (job,) = fal_emulator.queue.values()
        job.status, job.cancelled = "COMPLETED", True
        await task

    with pytest.raises(ProviderError, match="cancelled outside this build") as caught:
        _run(run())
    assert not caught.value.retryable and "submit it anew" in (caught.value.hint or "")


# An app's own unhandled error: HTTP 500 with FastAPI's {"detail": "Internal Server Error"} and no
# X-Fal-Error-Type. fal does not retry an app's 500 ("500 | TCP health check triggered | No" in
# https://fal.ai/docs/documentation/deployment/readiness-liveness), so the finished request's
# result URL answers it for good: after the free re-reads the request must be submitted anew.
APP_500 = "Internal Server Error"
FREE_REREADS = 8


def test_an_unlabelled_500_on_a_finished_result_is_forgotten_so_the_retry_submits_anew(
        fal_emulator: FalEmulator) -> None:
    fal_emulator.faults.add("result", FaultKind.SERVER_ERROR, times=FREE_REREADS,
                            message=APP_500)
    remembered: list[Mapping[str, Any]] = []
    adapter = FalAdapter()
    with pytest.raises(ProviderError, match="HTTP 500") as caught:
        _run(adapter.generate_image(IMAGE, _context(remembered)))
    assert caught.value.retryable
    assert fal_emulator.counters["result"] == FREE_REREADS
    # The engine's next attempt recalls what the journal says last (as the build's lookup does).
    assert not remembered[-1].get("prediction_id"), "forgotten in the journal too"
    data = _run(adapter.generate_image(IMAGE, _context(recall=remembered[-1])))
    assert data.startswith(b"\x89PNG")
    assert fal_emulator.counters["submissions"] == 2


def test_after_a_crash_an_unlabelled_500_result_is_submitted_anew_in_the_same_attempt(
        fal_emulator: FalEmulator) -> None:
    remembered: list[Mapping[str, Any]] = []
    _run(FalAdapter().generate_image(IMAGE, _context(remembered)))
    journaled = remembered[0]  # what a build killed while re-reading left in the journal
    fal_emulator.faults.add("result", FaultKind.SERVER_ERROR, times=FREE_REREADS,
                            message=APP_500)
    later = FalAdapter()
    data = _run(later.generate_image(IMAGE, _context(recall=journaled)))
    assert data.startswith(b"\x89PNG")
    assert fal_emulator.counters["submissions"] == 2
