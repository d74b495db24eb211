"""One contract, every network adapter: each case calls a real adapter against its provider's
emulator and checks the error table of DESIGN.md section 5 at the boundary."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from moviebuild import producers
from moviebuild.errors import ProviderError
from moviebuild.providers import catalog
from moviebuild.providers.http import quote_prompt
from moviebuild.providers.offline.audio import mp3_duration_s
from moviebuild.providers.openai import fill_template
from moviebuild.providers.registry import make_adapter
from moviebuild.providers.requests import (
    CallContext,
    ImageRequest,
    MusicRequest,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)
from moviebuild.providers.transient import TransientRetry
from moviebuild.testing.emulators import Emulator, FaultKind

from .conftest import FAKE_KEYS

PROMPT = ("A lighthouse keeper climbs the spiral stairs at dusk while a storm rolls in over the "
          "grey northern sea, waves breaking white against the black rocks below the tower")
TEXT_REQUEST = TextRequest(
    producer="TextToVideoPromptProducer",
    template=catalog.template_text("TextToVideoPromptProducer") or "",
    variables={"segment": 1, "narration": PROMPT, "image_style": "watercolor",
               "audience": "adults"},
    schema=producers.SCHEMAS["TextToVideoPromptProducer"],
)
IMAGE = ImageRequest(PROMPT, "watercolor", 854, 480, "16:9")
SPEECH = SpeechRequest(PROMPT, "narrator", "en", "calm")
MUSIC = MusicRequest(PROMPT, 20.0)
VIDEO = VideoRequest(PROMPT, "watercolor", 854, 480, "16:9", 10.0)


def _is_png(data: Any) -> bool:
    return isinstance(data, bytes) and data.startswith(b"\x89PNG")


def _is_mp3(data: Any) -> bool:
    return isinstance(data, bytes) and mp3_duration_s(data) > 0


def _is_mp4(data: Any) -> bool:
    return isinstance(data, bytes) and data[4:8] == b"ftyp"


def _is_answer(data: Any) -> bool:
    return isinstance(data, dict) and bool(data.get("direction_prompt"))


@dataclass(frozen=True)
class Case:
    """One role of one adapter: where its first request goes, and what success looks like."""

    adapter: str
    role: str
    fixture: str
    route: str
    call: Callable[[Any, CallContext], Coroutine[Any, Any, Any]]
    valid: Callable[[Any], bool]
    prompt: str = PROMPT
    request_id: bool = True
    poll_route: str | None = None

    def __str__(self) -> str:
        return f"{self.adapter}-{self.role}"


CASES = [
    Case("openai", "text", "openai_emulator", "chat",
         lambda a, c: a.generate_json(TEXT_REQUEST, c), _is_answer,
         prompt=fill_template(TEXT_REQUEST)),
    Case("openai", "image", "openai_emulator", "images",
         lambda a, c: a.generate_image(IMAGE, c), _is_png),
    Case("openai", "speech", "openai_emulator", "speech",
         lambda a, c: a.synthesize_speech(SPEECH, c), _is_mp3),
    Case("elevenlabs", "speech", "elevenlabs_emulator", "tts",
         lambda a, c: a.synthesize_speech(SPEECH, c), _is_mp3),
    Case("elevenlabs", "music", "elevenlabs_emulator", "music",
         lambda a, c: a.generate_music(MUSIC, c), _is_mp3),
    Case("replicate", "image", "replicate_emulator", "create",
         lambda a, c: a.generate_image(IMAGE, c), _is_png, request_id=False, poll_route="poll"),
    Case("replicate", "video", "replicate_emulator", "create",
         lambda a, c: a.generate_video(VIDEO, c), _is_mp4, request_id=False, poll_route="poll"),
    Case("replicate", "music", "replicate_emulator", "create",
         lambda a, c: a.generate_music(MUSIC, c), _is_mp3, request_id=False, poll_route="poll"),
    Case("fal", "image", "fal_emulator", "submit",
         lambda a, c: a.generate_image(IMAGE, c), _is_png, poll_route="status"),
    Case("fal", "video", "fal_emulator", "submit",
         lambda a, c: a.generate_video(VIDEO, c), _is_mp4, poll_route="status"),
    Case("fal", "music", "fal_emulator", "submit",
         lambda a, c: a.generate_music(MUSIC, c), _is_mp3, poll_route="status"),
]
JOB_CASES = [case for case in CASES if case.poll_route]


@pytest.fixture(params=CASES, ids=str)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=JOB_CASES, ids=str)
def job_case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


def _emulator(request: pytest.FixtureRequest, case: Case) -> Emulator:
    emulator: Emulator = request.getfixturevalue(case.fixture)
    return emulator


def _call(case: Case, context: CallContext | None = None, adapter: Any = None) -> Any:
    adapter = adapter or make_adapter(case.adapter)
    return asyncio.run(case.call(adapter, context or CallContext(job_id="Job[1]")))


def _fail(case: Case, context: CallContext | None = None) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        _call(case, context)
    error = caught.value
    assert error.message.startswith("Job[1]: "), error.message
    assert error.provider == case.adapter
    return error


def test_a_call_returns_media_or_an_answer_of_the_right_kind(request: pytest.FixtureRequest,
                                                              case: Case) -> None:
    emulator = _emulator(request, case)
    assert case.valid(_call(case))
    assert emulator.counters[case.route] == 1
    assert all(r.authorized for r in emulator.requests)


def test_a_rejected_key_is_not_retryable_and_names_the_variable(
        request: pytest.FixtureRequest, case: Case) -> None:
    emulator = _emulator(request, case)
    emulator.faults.add(case.route, FaultKind.UNAUTHORIZED)
    error = _fail(case)
    key_env = emulator.key_env
    assert not error.retryable
    assert key_env in error.message and key_env in (error.hint or "")
    assert FAKE_KEYS[case.adapter] not in f"{error.message} {error.hint}"


def test_a_missing_key_fails_before_any_request(request: pytest.FixtureRequest,
                                                case: Case) -> None:
    emulator = _emulator(request, case)
    request.getfixturevalue("provider_env").delenv(emulator.key_env)
    error = _fail(case)
    assert not error.retryable and emulator.key_env in error.message
    assert not emulator.requests


def test_a_content_refusal_is_not_retryable_and_quotes_the_prompt_to_edit(
        request: pytest.FixtureRequest, case: Case) -> None:
    _emulator(request, case).faults.add(case.route, FaultKind.REFUSAL)
    error = _fail(case)
    assert not error.retryable
    assert quote_prompt(case.prompt) in (error.hint or "")
    assert len(quote_prompt(case.prompt)) <= 121


def test_a_rate_limit_is_retryable_after_the_retry_after_header(
        request: pytest.FixtureRequest, case: Case) -> None:
    _emulator(request, case).faults.add(case.route, FaultKind.RATE_LIMIT, retry_after="7")
    error = _fail(case)
    assert error.retryable and error.retry_after_s == 7


def test_a_server_error_is_retryable_and_the_next_call_succeeds(
        request: pytest.FixtureRequest, case: Case) -> None:
    emulator = _emulator(request, case)
    emulator.faults.add(case.route, FaultKind.SERVER_ERROR)
    assert _fail(case).retryable
    assert case.valid(_call(case))
    assert emulator.counters[case.route] == 2


def test_a_provider_that_never_answers_times_out_retryably(
        request: pytest.FixtureRequest, case: Case) -> None:
    emulator = _emulator(request, case)
    request.getfixturevalue("provider_env").setenv("MOVIEBUILD_HTTP_TIMEOUT_S", "0.2")
    emulator.faults.add(case.route, FaultKind.HANG)
    error = _fail(case)
    assert error.retryable and "no answer" in error.message


def test_a_dropped_connection_is_retryable(request: pytest.FixtureRequest, case: Case) -> None:
    _emulator(request, case).faults.add(case.route, FaultKind.DROP)
    assert _fail(case).retryable


def test_a_malformed_answer_is_not_retryable_and_names_the_request_id(
        request: pytest.FixtureRequest, case: Case) -> None:
    _emulator(request, case).faults.add(case.route, FaultKind.MALFORMED)
    error = _fail(case)
    assert not error.retryable
    if case.request_id:
        assert "request id" in error.message


def test_a_provider_job_is_polled_until_it_succeeds(request: pytest.FixtureRequest,
                                                    job_case: Case) -> None:
    emulator = _emulator(request, job_case)
    emulator.polls_to_finish = 3
    assert job_case.valid(_call(job_case))
    assert emulator.counters["submissions"] == 1
    assert emulator.counters["polls"] == 3


def test_a_resumed_call_polls_the_recalled_job_and_submits_nothing(
        request: pytest.FixtureRequest, job_case: Case) -> None:
    emulator = _emulator(request, job_case)
    emulator.polls_to_finish = 3
    assert job_case.poll_route is not None
    # Polls are retried on their own budget; a poll that fails through all of it gives up.
    emulator.faults.add(job_case.poll_route, FaultKind.SERVER_ERROR,
                        times=TransientRetry().attempts)
    remembered: list[Mapping[str, Any]] = []
    first = CallContext(job_id="Job[1]", remember=remembered.append)
    assert _fail(job_case, first).retryable
    # The job's id is the last thing journaled (Replicate journals the create before it too).
    assert remembered and remembered[-1]["prediction_id"]
    # A new process: a fresh adapter that knows only what the journal recalls.
    resumed = CallContext(job_id="Job[1]", recall=remembered[-1])
    assert job_case.valid(_call(job_case, resumed, make_adapter(job_case.adapter)))
    assert emulator.counters["submissions"] == 1


def test_cancelling_the_task_mid_poll_cancels_the_provider_job(
        request: pytest.FixtureRequest, job_case: Case) -> None:
    emulator = _emulator(request, job_case)
    emulator.polls_to_finish = 10_000

    async def run_then_cancel() -> None:
        task = asyncio.create_task(job_case.call(make_adapter(job_case.adapter),
                                                 CallContext(job_id="Job[1]")))
        for _ in range(500):
            if emulator.counters["polls"] >= 2:
                break
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run_then_cancel())
    assert emulator.counters["polls"] >= 2
    assert emulator.counters["cancels"] == 1


def test_a_cancel_carries_no_body_and_no_content_type(
        request: pytest.FixtureRequest, job_case: Case) -> None:
    # The SDKs send an empty cancel without Content-Type; aiohttp alone would add
    # application/octet-stream, which the services never see from their own clients.
    emulator = _emulator(request, job_case)
    emulator.polls_to_finish = 10_000

    async def run_then_cancel() -> None:
        task = asyncio.create_task(job_case.call(make_adapter(job_case.adapter),
                                                 CallContext(job_id="Job[1]")))
        for _ in range(500):
            if emulator.counters["polls"] >= 1:
                break
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run_then_cancel())
    (cancel,) = [r for r in emulator.requests if r.route == "cancel"]
    assert cancel.content_type is None and cancel.body is None
