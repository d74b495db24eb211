"""The official SDKs (openai, elevenlabs, replicate, fal-client, in the dev extra) run against the
emulators and must parse every reply, so the emulators cannot drift from the services the
adapters are written for. Offline: every request goes to 127.0.0.1."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from moviebuild.testing.emulators import (
    ElevenLabsEmulator,
    FalEmulator,
    OpenAIEmulator,
    ReplicateEmulator,
)

from .conftest import FAKE_KEYS

SCHEMA = {"type": "object", "properties": {"title": {"type": "string"}},
          "required": ["title"], "additionalProperties": False}


def test_the_openai_sdk_parses_every_reply_of_the_emulator(
        openai_emulator: OpenAIEmulator) -> None:
    from openai import OpenAI

    with OpenAI(api_key=FAKE_KEYS["openai"], base_url=openai_emulator.base_url,
                max_retries=0) as client:
        _use_openai(client)


def _use_openai(client: Any) -> None:
    from openai.types import ImagesResponse
    from openai.types.chat import ChatCompletion

    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "A movie: tea"}],
        response_format={"type": "json_schema", "json_schema": {
            "name": "Answer", "schema": SCHEMA, "strict": True}})
    ChatCompletion.model_validate(completion.model_dump())
    assert completion.choices[0].message.content and completion.usage is not None
    image = client.images.generate(model="gpt-image-1", prompt="a fox", size="1536x1024")
    ImagesResponse.model_validate(image.model_dump())
    assert image.data and image.data[0].b64_json
    assert image.usage is not None and image.usage.input_tokens_details is not None
    speech = client.audio.speech.create(model="gpt-4o-mini-tts", voice="alloy", input="Hello.")
    assert speech.content[:3] == b"ID3" or speech.content[0] == 0xFF
    assert [m.id for m in client.models.list()]


def test_the_elevenlabs_sdk_parses_every_reply_of_the_emulator(
        elevenlabs_emulator: ElevenLabsEmulator) -> None:
    from elevenlabs.client import ElevenLabs

    with httpx.Client() as http:
        _use_elevenlabs(ElevenLabs(api_key=FAKE_KEYS["elevenlabs"],
                                   base_url=elevenlabs_emulator.url, httpx_client=http))


def _use_elevenlabs(client: Any) -> None:
    audio = b"".join(client.text_to_speech.convert(
        "JBFqnCBsd6RMkjVDRZzb", text="Hello there.", model_id="eleven_multilingual_v2",
        output_format="mp3_44100_128"))
    assert audio[:3] == b"ID3" or audio[0] == 0xFF
    music = b"".join(client.music.compose(prompt="calm piano", music_length_ms=3000))
    assert len(music) > 100
    assert client.models.list()


def test_the_replicate_sdk_parses_every_reply_of_the_emulator(
        replicate_emulator: ReplicateEmulator) -> None:
    import replicate

    client = replicate.Client(api_token=FAKE_KEYS["replicate"], base_url=replicate_emulator.url)
    try:
        _use_replicate(client)
    finally:
        client._client.close()


def _use_replicate(client: Any) -> None:
    import replicate

    prediction = client.predictions.create(model="black-forest-labs/flux-schnell",
                                           input={"prompt": "a fox"})
    for _ in range(10):
        prediction.reload()
        if prediction.status == "succeeded":
            break
    assert prediction.status == "succeeded" and prediction.output
    pinned = client.predictions.create(
        version="671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb",
        input={"prompt": "calm piano", "duration": 3})
    pinned.cancel()
    assert client.predictions.get(pinned.id).status == "canceled"
    with pytest.raises(replicate.exceptions.ReplicateError) as caught:
        client.predictions.create(model="someone/community-model", input={"prompt": "x"})
    assert caught.value.status == 404


def test_the_fal_client_parses_every_reply_of_the_emulator(
        fal_emulator: FalEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    import fal_client
    import fal_client.client

    # fal-client builds queue URLs from a module constant with https fixed in it; this is the
    # one place a test points it elsewhere (the emulator on 127.0.0.1).
    monkeypatch.setattr(fal_client.client, "QUEUE_URL_FORMAT", fal_emulator.url + "/")
    client = fal_client.SyncClient(key=FAKE_KEYS["fal"])
    try:
        _use_fal(client, fal_emulator)
    finally:
        client._client.close()


def _use_fal(client: Any, fal_emulator: FalEmulator) -> None:
    import fal_client

    handle = client.submit("fal-ai/flux/schnell", arguments={"prompt": "a fox"})
    statuses: list[Any] = []
    for _ in range(10):
        statuses.append(handle.status(with_logs=True))
        if isinstance(statuses[-1], fal_client.Completed):
            break
    assert isinstance(statuses[-1], fal_client.Completed)
    result = handle.get()
    assert result["images"][0]["url"].startswith(fal_emulator.url)
    cancelled = client.submit("fal-ai/flux/schnell", arguments={"prompt": "an owl"})
    cancelled.cancel()
    assert isinstance(cancelled.status(), fal_client.Completed)
