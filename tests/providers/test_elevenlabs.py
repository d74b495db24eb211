"""The ElevenLabs adapter against its emulator: what speech and music requests carry, the emotion
mapping, concurrency limits and the roles it does not serve."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from moviebuild.config.enums import Emotion
from moviebuild.errors import ProviderError
from moviebuild.providers.elevenlabs import (
    DEFAULT_VOICE_ID,
    EMOTION_SETTINGS,
    ElevenLabsAdapter,
    voice_settings,
)
from moviebuild.providers.offline.audio import mp3_duration_s
from moviebuild.providers.requests import CallContext, ImageRequest, MusicRequest, SpeechRequest
from moviebuild.testing.emulators import ElevenLabsEmulator

CONTEXT = CallContext(job_id="AudioProducer[1]")


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_every_moviefile_emotion_has_voice_settings() -> None:
    assert set(EMOTION_SETTINGS) == {e.value for e in Emotion}
    assert voice_settings(None) == voice_settings("neutral")
    calm, excited = voice_settings("calm"), voice_settings("excited")
    assert calm["stability"] > excited["stability"] and calm["style"] < excited["style"]


def test_speech_posts_text_model_and_voice_settings_for_mp3(
        elevenlabs_emulator: ElevenLabsEmulator) -> None:
    request = SpeechRequest("Tea came from China long ago.", "narrator", "en", "dramatic")
    audio = _run(ElevenLabsAdapter().synthesize_speech(request, CONTEXT))
    assert mp3_duration_s(audio) > 1
    (sent,) = elevenlabs_emulator.requests
    assert sent.path == f"/v1/text-to-speech/{DEFAULT_VOICE_ID}"
    assert sent.query == {"output_format": "mp3_44100_128"}
    assert sent.body == {"text": "Tea came from China long ago.",
                         "model_id": "eleven_multilingual_v2",
                         "voice_settings": voice_settings("dramatic")}


def test_params_may_name_the_voice_and_override_settings(
        elevenlabs_emulator: ElevenLabsEmulator) -> None:
    request = SpeechRequest("Hi.", "narrator", "en", params={
        "voice_id": "21m00Tcm4TlvDq8ikWAM", "voice_settings": {"style": 0.9}})
    _run(ElevenLabsAdapter().synthesize_speech(request, CONTEXT))
    (sent,) = elevenlabs_emulator.requests
    assert sent.path.endswith("/21m00Tcm4TlvDq8ikWAM")
    assert sent.body["voice_settings"]["style"] == 0.9


def test_an_unknown_voice_needs_attention(elevenlabs_emulator: ElevenLabsEmulator) -> None:
    request = SpeechRequest("Hi.", "no-such-voice", "en")
    with pytest.raises(ProviderError, match="voice_id 'no-such-voice' was not found") as caught:
        _run(ElevenLabsAdapter().synthesize_speech(request, CONTEXT))
    assert not caught.value.retryable


def test_music_asks_for_the_movies_length_within_the_providers_bounds(
        elevenlabs_emulator: ElevenLabsEmulator) -> None:
    audio = _run(ElevenLabsAdapter().generate_music(MusicRequest("warm strings", 20.0),
                                                    CallContext("MusicProducer")))
    assert mp3_duration_s(audio) == pytest.approx(20.0, abs=0.2)
    _run(ElevenLabsAdapter().generate_music(MusicRequest("warm strings", 1.0),
                                            CallContext("MusicProducer")))
    lengths = [r.body["music_length_ms"] for r in elevenlabs_emulator.requests]
    assert lengths == [20_000, 3_000]
    assert elevenlabs_emulator.requests[0].body["model_id"] == "music_v1"


def test_too_many_concurrent_requests_are_retryable(
        elevenlabs_emulator: ElevenLabsEmulator) -> None:
    elevenlabs_emulator.max_concurrent = 1
    elevenlabs_emulator.delay_s = 0.2

    async def two_at_once() -> list[Any]:
        adapter = ElevenLabsAdapter()
        calls = [adapter.synthesize_speech(SpeechRequest(f"Line {i}.", "narrator", "en"),
                                           CallContext(f"AudioProducer[{i}]")) for i in (1, 2)]
        return await asyncio.gather(*calls, return_exceptions=True)

    results = _run(two_at_once())
    errors = [r for r in results if isinstance(r, ProviderError)]
    assert len(errors) == 1 and errors[0].retryable
    assert "too_many_concurrent_requests" in errors[0].message or "concurrent" in errors[0].message


def test_images_are_not_an_elevenlabs_role(provider_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProviderError, match="does not serve the image role"):
        _run(ElevenLabsAdapter().generate_image(ImageRequest("x", "anime", 8, 8, "1:1"), CONTEXT))
