"""Keys stay in the environment: a whole movie built on every network adapter leaves none in the
store, the journal, manifests, out/, prompts/ or any output, and no error path shows one."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moviebuild.engine.retry import RetryPolicy
from moviebuild.errors import ProviderError
from moviebuild.project.movie import Movie
from moviebuild.project.reports import BuildReport
from moviebuild.providers.endpoints import ENDPOINTS, TIMEOUT_ENV
from moviebuild.providers.http import ProviderSession
from moviebuild.providers.registry import make_adapter
from moviebuild.providers.requests import CallContext, ImageRequest, SpeechRequest
from moviebuild.providers.transient import TransientRetry
from moviebuild.testing.emulators import (
    ElevenLabsEmulator,
    FalEmulator,
    FaultKind,
    OpenAIEmulator,
    ReplicateEmulator,
)

from .conftest import FAKE_KEYS

MOVIEFILE = """\
inquiry: The history of tea
duration: 20
images_per_segment: 1
size: 480p
segments:
  2: {use_video: true, image_to_video: true}
providers:
  text: {adapter: openai}
  image: {adapter: openai}
  speech: {adapter: openai}
  music: {adapter: elevenlabs}
  video: {adapter: replicate}
  StartingImageProducer: {adapter: fal}
"""
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.02)


@pytest.fixture
def all_emulators(openai_emulator: OpenAIEmulator, elevenlabs_emulator: ElevenLabsEmulator,
                  replicate_emulator: ReplicateEmulator,
                  fal_emulator: FalEmulator) -> dict[str, Any]:
    return {"openai": openai_emulator, "elevenlabs": elevenlabs_emulator,
            "replicate": replicate_emulator, "fal": fal_emulator}


@pytest.fixture
def movie_folder(tmp_path: Path) -> Path:
    (tmp_path / "Moviefile.yaml").write_text(MOVIEFILE, encoding="utf-8")
    return tmp_path


def _build(folder: Path, retry: RetryPolicy = FAST_RETRY) -> BuildReport:
    return Movie.open(folder).build(retry=retry)


def _files_holding_a_key(folder: Path) -> Iterator[str]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            for key in FAKE_KEYS.values():
                if key.encode() in data or b"SECRET" in data:
                    yield str(path.relative_to(folder))


def test_a_movie_built_on_every_network_adapter_completes_and_stores_no_key(
        all_emulators: dict[str, Any], movie_folder: Path, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # A whole build on a busy machine (the emulators encode real MP3/MP4 with ffmpeg) needs more
    # room than one call, or a timeout retry adds a call.
    monkeypatch.setenv(TIMEOUT_ENV, "30")
    caplog.set_level(logging.DEBUG)
    result = _build(movie_folder)
    assert result.complete, result.to_json()
    ran = result.ran
    assert ran["StartingImageProducer"] == 1 and ran["ImageToVideoProducer"] == 1
    assert ran["TimelineAssembler"] == 1
    counts = {name: emulator.counters.copy() for name, emulator in all_emulators.items()}
    assert counts["openai"]["chat"] == 4 and counts["openai"]["images"] == 1
    assert counts["openai"]["speech"] == 2 and counts["elevenlabs"]["music"] == 1
    assert counts["replicate"]["submissions"] == 1 and counts["fal"]["submissions"] == 1
    stored = list(movie_folder.rglob("*"))
    assert (movie_folder / ".moviebuild" / "journal").is_dir()
    assert any("out" in p.parts for p in stored) and any("prompts" in p.parts for p in stored)
    assert list(_files_holding_a_key(movie_folder)) == []
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert logged and "replicate prediction" in caplog.text
    for key in FAKE_KEYS.values():
        assert key not in logged

    again = _build(movie_folder)
    assert again.complete and not again.ran
    assert {n: e.counters for n, e in all_emulators.items()} == counts


def test_an_engine_retry_resumes_the_prediction_instead_of_paying_again(
        all_emulators: dict[str, Any], movie_folder: Path) -> None:
    replicate = all_emulators["replicate"]
    replicate.faults.add("poll", FaultKind.SERVER_ERROR)
    result = _build(movie_folder)
    assert result.complete, result.to_json()
    assert replicate.counters["submissions"] == 1


def test_a_rebuild_after_a_failed_poll_polls_the_journaled_prediction(
        all_emulators: dict[str, Any], movie_folder: Path) -> None:
    replicate = all_emulators["replicate"]
    replicate.faults.add("poll", FaultKind.SERVER_ERROR, times=TransientRetry().attempts)
    first = _build(movie_folder, RetryPolicy(max_attempts=1))
    assert [job.id for job in first.failed()] == ["ImageToVideoProducer[2]"]
    journal = "".join(p.read_text() for p in (movie_folder / ".moviebuild/journal").iterdir())
    assert '"provider-job"' in journal and replicate.counters["submissions"] == 1
    second = _build(movie_folder)
    assert second.complete and second.ran == {"ImageToVideoProducer": 1,
                                                 "TimelineAssembler": 1}
    assert replicate.counters["submissions"] == 1


def _error_text(error: ProviderError) -> str:
    chain = "".join(traceback.format_exception(error))
    return " ".join([str(error), repr(error), repr(error.args), error.hint or "", chain])




@pytest.mark.parametrize("kind", [FaultKind.UNAUTHORIZED, FaultKind.REFUSAL,
                                  FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR, FaultKind.HANG,
                                  FaultKind.DROP, FaultKind.MALFORMED])
@pytest.mark.parametrize("provider", ["openai", "elevenlabs", "replicate", "fal"])
def test_no_error_path_shows_a_key_even_when_the_provider_echoes_it(
        all_emulators: dict[str, Any], provider_env: pytest.MonkeyPatch, provider: str,
        kind: FaultKind, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    provider_env.setenv("MOVIEBUILD_HTTP_TIMEOUT_S", "0.2")
    emulator = all_emulators[provider]
    key = FAKE_KEYS[provider]
    route = {"openai": "speech", "elevenlabs": "tts", "replicate": "create", "fal": "submit"}[
        provider]
    emulator.faults.add(route, kind, message=f"Incorrect API key provided: {key}")
    adapter = make_adapter(provider)
    context = CallContext(job_id="Job[1]")
    if provider in ("openai", "elevenlabs"):
        call = adapter.synthesize_speech(SpeechRequest("Hello.", "narrator", "en"), context)
    else:
        call = adapter.generate_image(ImageRequest("a fox", "anime", 64, 64, "1:1"), context)
    with pytest.raises(ProviderError) as caught:
        asyncio.run(call)
    assert key not in _error_text(caught.value)
    assert key not in caplog.text


def test_adapters_sessions_and_emulators_never_show_a_key_in_repr(
        all_emulators: dict[str, Any]) -> None:
    for name, endpoint in ENDPOINTS.items():
        shown = repr(make_adapter(name)) + repr(ProviderSession(endpoint, "Job", timeout_s=1))
        shown += repr(all_emulators[name]) + repr(vars(make_adapter(name)))
        assert FAKE_KEYS[name] not in shown


def test_a_missing_key_names_the_variable(provider_env: pytest.MonkeyPatch) -> None:
    for name, endpoint in ENDPOINTS.items():
        with pytest.raises(ProviderError) as caught:
            ProviderSession(endpoint, "Job[1]", timeout_s=1)
        assert endpoint.key_env in caught.value.message and not caught.value.retryable
        assert caught.value.provider == name
