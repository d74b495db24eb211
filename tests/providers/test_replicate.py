"""The Replicate adapter against its emulator: model addressing, inputs, outputs, failures, and
resuming predictions (after a crash, after an in-build retry, or not when they are unusable)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from moviebuild.errors import ProviderError
from moviebuild.providers.replicate import ReplicateAdapter, output_url
from moviebuild.providers.requests import CallContext, ImageRequest, TextRequest, VideoRequest
from moviebuild.providers.transient import TransientRetry
from moviebuild.testing.emulators import FaultKind, ReplicateEmulator
from moviebuild.testing.emulators.media import image_bytes

IMAGE = ImageRequest("a red fox in snow", "watercolor", 1280, 720, "16:9")


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _context(remembered: list[Mapping[str, Any]] | None = None,
             recall: Mapping[str, Any] | None = None) -> CallContext:
    return CallContext("SegmentImage[1][1]", recall=recall or {},
                       remember=remembered.append if remembered is not None else lambda d: None)


def test_an_official_model_is_created_by_name_and_its_webp_becomes_png(
        replicate_emulator: ReplicateEmulator) -> None:
    data = _run(ReplicateAdapter().generate_image(IMAGE, _context()))
    assert data.startswith(b"\x89PNG")
    create = replicate_emulator.requests[0]
    assert create.path == "/v1/models/black-forest-labs/flux-schnell/predictions"
    assert create.body == {"input": {"prompt": "a red fox in snow, watercolor style",
                                     "aspect_ratio": "16:9"}}


def test_a_pinned_version_is_created_by_version_with_params_merged(
        replicate_emulator: ReplicateEmulator) -> None:
    version = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"
    request = ImageRequest("a fox", "anime", 720, 720, "1:1", model=f"stability-ai/sdxl:{version}",
                           params={"num_inference_steps": 4, "aspect_ratio": "1:1"})
    _run(ReplicateAdapter().generate_image(request, _context()))
    create = replicate_emulator.requests[0]
    assert create.path == "/v1/predictions"
    assert create.body["version"] == version
    assert create.body["input"]["num_inference_steps"] == 4


def test_a_start_image_travels_as_a_data_uri_in_the_models_field(
        replicate_emulator: ReplicateEmulator) -> None:
    start = image_bytes(32, 18, "start")
    request = VideoRequest("the fox runs", "anime", 1280, 720, "16:9", 10.0, start_image=start)
    data = _run(ReplicateAdapter().generate_video(request, _context()))
    assert data[4:8] == b"ftyp"
    sent = replicate_emulator.requests[0].body["input"]
    assert sent["first_frame_image"].startswith("data:image/png;base64,")
    request = VideoRequest("x", "anime", 8, 8, "1:1", 5.0, start_image=start,
                           params={"start_image_field": "image"})
    _run(ReplicateAdapter().generate_video(request, _context()))
    last_create = [r for r in replicate_emulator.requests if r.route == "create"][-1]
    assert "image" in last_create.body["input"]


def test_a_failed_prediction_needs_attention_and_quotes_the_prompt(
        replicate_emulator: ReplicateEmulator) -> None:
    replicate_emulator.faults.add("create", FaultKind.FAIL_JOB)
    with pytest.raises(ProviderError, match="failed: NSFW content detected") as caught:
        _run(ReplicateAdapter().generate_image(IMAGE, _context()))
    assert not caught.value.retryable and "a red fox in snow" in (caught.value.hint or "")


def test_an_engine_retry_in_the_same_build_resumes_the_prediction(
        replicate_emulator: ReplicateEmulator) -> None:
    replicate_emulator.faults.add("poll", FaultKind.SERVER_ERROR, times=TransientRetry().attempts)
    adapter = ReplicateAdapter()
    with pytest.raises(ProviderError) as caught:
        _run(adapter.generate_image(IMAGE, _context()))
    assert caught.value.retryable
    assert _run(adapter.generate_image(IMAGE, _context())).startswith(b"\x89PNG")
    assert replicate_emulator.counters["submissions"] == 1


def test_a_changed_request_never_resumes_an_old_prediction(
        replicate_emulator: ReplicateEmulator) -> None:
    replicate_emulator.faults.add("poll", FaultKind.SERVER_ERROR, times=TransientRetry().attempts)
    adapter = ReplicateAdapter()
    with pytest.raises(ProviderError):
        _run(adapter.generate_image(IMAGE, _context()))
    other = ImageRequest("a grey wolf", "watercolor", 1280, 720, "16:9")
    _run(adapter.generate_image(other, _context()))
    assert replicate_emulator.counters["submissions"] == 2


@pytest.mark.parametrize("spoil", ["failed", "canceled", "expired", "unknown"])
def test_a_recalled_prediction_that_cannot_deliver_is_submitted_anew(
        replicate_emulator: ReplicateEmulator, spoil: str) -> None:
    remembered: list[Mapping[str, Any]] = []
    _run(ReplicateAdapter().generate_image(IMAGE, _context(remembered)))
    memory = remembered[-1]
    prediction = replicate_emulator.predictions[memory["prediction_id"]]
    if spoil == "expired":
        replicate_emulator.expire(prediction.id)
    elif spoil == "unknown":
        del replicate_emulator.predictions[prediction.id]
    else:
        prediction.status = spoil
    data = _run(ReplicateAdapter().generate_image(IMAGE, _context(recall=memory)))
    assert data.startswith(b"\x89PNG")
    assert replicate_emulator.counters["submissions"] == 2


def test_a_recalled_prediction_that_succeeded_is_downloaded_without_paying_again(
        replicate_emulator: ReplicateEmulator) -> None:
    remembered: list[Mapping[str, Any]] = []
    _run(ReplicateAdapter().generate_image(IMAGE, _context(remembered)))
    _run(ReplicateAdapter().generate_image(IMAGE, _context(recall=remembered[-1])))
    assert replicate_emulator.counters["submissions"] == 1


def test_the_journal_entry_names_the_provider_id_and_urls(
        replicate_emulator: ReplicateEmulator) -> None:
    remembered: list[Mapping[str, Any]] = []
    _run(ReplicateAdapter().generate_image(IMAGE, _context(remembered)))
    creating, memory = remembered
    assert creating["provider"] == "replicate" and "creating" in creating
    assert memory["provider"] == "replicate"
    assert memory["urls"]["get"].endswith(f"/v1/predictions/{memory['prediction_id']}")
    assert memory["urls"]["cancel"].endswith("/cancel")


def test_sync_mode_inlines_outputs_as_data_uris(replicate_emulator: ReplicateEmulator) -> None:
    from moviebuild.providers.endpoints import REPLICATE
    from moviebuild.providers.http import ProviderSession

    replicate_emulator.inline_outputs = True

    async def create_and_wait() -> Any:
        async with ProviderSession(REPLICATE, "Job", timeout_s=2.0) as session:
            reply = await session.call(
                "POST", f"{session.base_url}/models/black-forest-labs/flux-schnell/predictions",
                json_body={"input": {"prompt": "x"}}, headers={"Prefer": "wait=5"})
            return reply.headers["preference-applied"], session.json_object(reply)

    applied, prediction = _run(create_and_wait())
    assert applied == "wait=5" and prediction["status"] == "succeeded"
    assert (output_url(prediction["output"]) or "").startswith("data:image/webp;base64,")


@pytest.mark.parametrize(("output", "url"), [
    ("https://replicate.delivery/a.mp4", "https://replicate.delivery/a.mp4"),
    (["https://replicate.delivery/out-0.webp", "https://x/out-1.webp"],
     "https://replicate.delivery/out-0.webp"),
    ({"audio_out": "https://replicate.delivery/a.wav", "seed": 3},
     "https://replicate.delivery/a.wav"),
    (["token", "stream"], None),
    (None, None),
])
def test_the_first_file_is_found_in_any_output_shape(output: Any, url: str | None) -> None:
    assert output_url(output) == url


def test_an_unknown_model_string_and_the_text_role_are_config_problems(
        replicate_emulator: ReplicateEmulator) -> None:
    request = ImageRequest("x", "anime", 8, 8, "1:1", model="not a model")
    with pytest.raises(ProviderError, match="is not a Replicate model"):
        _run(ReplicateAdapter().generate_image(request, _context()))
    with pytest.raises(ProviderError, match="does not serve the text role"):
        _run(ReplicateAdapter().generate_json(TextRequest("ScriptProducer", "", {}, {}),
                                              _context()))
    assert not replicate_emulator.requests


def test_a_poll_that_fails_now_and_then_costs_no_engine_attempt(
        replicate_emulator: ReplicateEmulator) -> None:
    replicate_emulator.polls_to_finish = 3
    replicate_emulator.faults.add("poll", FaultKind.RATE_LIMIT, times=3, retry_after=None)
    replicate_emulator.faults.add("files", FaultKind.SERVER_ERROR, times=2)
    assert _run(ReplicateAdapter().generate_image(IMAGE, _context())).startswith(b"\x89PNG")
    assert replicate_emulator.counters["submissions"] == 1


# Replicate runs only its official models by name; a community model such as meta/musicgen
# answers 404 there (https://github.com/replicate/replicate-javascript/issues/347:
# {"detail":"The requested resource could not be found.","status":404}).
def test_the_default_music_model_is_called_by_its_pinned_version(
        replicate_emulator: ReplicateEmulator) -> None:
    from moviebuild.providers.catalog import MUSICGEN_VERSION
    from moviebuild.providers.requests import MusicRequest

    audio = _run(ReplicateAdapter().generate_music(MusicRequest("calm piano", 20.0), _context()))
    assert audio[:3] == b"ID3" or audio[0] == 0xFF
    create = replicate_emulator.requests[0]
    assert create.path == "/v1/predictions" and create.body["version"] == MUSICGEN_VERSION


def test_a_community_model_by_name_gets_replicates_404(
        replicate_emulator: ReplicateEmulator) -> None:
    from moviebuild.providers.requests import MusicRequest

    with pytest.raises(ProviderError, match="HTTP 404: The requested resource") as caught:
        _run(ReplicateAdapter().generate_music(
            MusicRequest("calm piano", 20.0, model="meta/musicgen"), _context()))
    assert not caught.value.retryable and "model name" in (caught.value.hint or "")


@pytest.mark.parametrize(("error", "retryable", "hint_has"), [
    # https://github.com/zai-org/CogView2/issues/12 (a Replicate model's failure)
    ("CUDA out of memory. Tried to allocate 1.22 GiB (GPU 0; 39.59 GiB total capacity; 30.86 "
     "GiB already allocated; 1.07 GiB free; 34.03 GiB reserved in total by PyTorch)", True, None),
    # https://github.com/replicate/cog/issues/960
    ("Prediction failed for an unknown reason. It might have run out of memory? (exitcode 2)",
     True, None),
    ("NSFW content detected. Try running it again, or try a different prompt.", False,
     "a red fox in snow"),
    ("ValueError: steps must be <= 50", False, "params"),
])
def test_a_failed_prediction_is_classified_by_its_error(
        replicate_emulator: ReplicateEmulator, error: str, retryable: bool,
        hint_has: str | None) -> None:
    replicate_emulator.faults.add("create", FaultKind.FAIL_JOB, message=error)
    adapter = ReplicateAdapter()
    with pytest.raises(ProviderError) as caught:
        _run(adapter.generate_image(IMAGE, _context()))
    assert caught.value.retryable is retryable
    assert "edit this prompt" not in (caught.value.hint or "") or hint_has == "a red fox in snow"
    if hint_has:
        assert hint_has in (caught.value.hint or "")
    if retryable:
        _run(adapter.generate_image(IMAGE, _context()))
        assert replicate_emulator.counters["submissions"] == 2


def test_a_create_whose_answer_was_lost_is_found_among_recent_predictions(
        replicate_emulator: ReplicateEmulator) -> None:
    remembered: list[Mapping[str, Any]] = []
    _run(ReplicateAdapter().generate_image(IMAGE, _context(remembered)))
    # Newer predictions of other requests push it onto a later page of the listing.
    replicate_emulator.page_size = 1
    for prompt in ("a grey wolf", "a brown bear"):
        other = ImageRequest(prompt, "watercolor", 1280, 720, "16:9")
        _run(ReplicateAdapter().generate_image(other, _context()))
    creating = remembered[0]  # journaled before the create; the id never was
    found: list[Mapping[str, Any]] = []

    data = _run(ReplicateAdapter().generate_image(IMAGE, _context(found, recall=creating)))

    assert data.startswith(b"\x89PNG")
    assert replicate_emulator.counters["submissions"] == 3, "the lost create was not paid again"
    assert found[-1]["prediction_id"] == remembered[-1]["prediction_id"]
    assert replicate_emulator.counters["list"] >= 2


def test_a_lost_create_the_account_does_not_list_is_sent_again_and_logged(
        replicate_emulator: ReplicateEmulator, caplog: pytest.LogCaptureFixture) -> None:
    remembered: list[Mapping[str, Any]] = []
    _run(ReplicateAdapter().generate_image(IMAGE, _context(remembered)))
    del replicate_emulator.predictions[remembered[-1]["prediction_id"]]

    with caplog.at_level("WARNING", logger="moviebuild.providers.replicate"):
        _run(ReplicateAdapter().generate_image(IMAGE, _context(recall=remembered[0])))

    assert replicate_emulator.counters["submissions"] == 2
    assert "may be paid twice" in caplog.text
