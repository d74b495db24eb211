"""The ElevenLabs adapter: text to speech (emotion mapped onto voice settings) and music, both
returned as mp3_44100_128. It serves speech and music; text, image and video are refused.
"""

from __future__ import annotations

from typing import Any

from moviebuild.config.enums import Role
from moviebuild.errors import ProviderError
from moviebuild.providers.catalog import DEFAULT_MODELS
from moviebuild.providers.endpoints import ELEVENLABS
from moviebuild.providers.http import MAX_DOWNLOAD_BYTES, ProviderSession, timeout_s
from moviebuild.providers.media_format import normalize_media
from moviebuild.providers.requests import (
    CallContext,
    ImageRequest,
    MusicRequest,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)
from moviebuild.providers.usage import Usage, number

OUTPUT_FORMAT = "mp3_44100_128"
#: The voice used for the Moviefile's default voice name, "narrator" (ElevenLabs' "George").
DEFAULT_VOICE_ID = "JBFqnCBsd6RMkjVDRZzb"
MUSIC_LENGTH_MS = (3_000, 600_000)

#: Emotion -> (stability, style). Lower stability varies the delivery more; higher style
#: exaggerates the voice's character. similarity_boost stays 0.75 and speaker boost on.
EMOTION_SETTINGS: dict[str, tuple[float, float]] = {
    "neutral": (0.50, 0.00),
    "calm": (0.75, 0.00),
    "warm": (0.60, 0.25),
    "serious": (0.70, 0.10),
    "sad": (0.55, 0.35),
    "cheerful": (0.35, 0.45),
    "excited": (0.25, 0.65),
    "dramatic": (0.30, 0.70),
}


def voice_settings(emotion: str | None) -> dict[str, Any]:
    """The ``voice_settings`` for an emotion (no emotion reads as neutral)."""
    stability, style = EMOTION_SETTINGS.get(emotion or "neutral", EMOTION_SETTINGS["neutral"])
    return {"stability": stability, "similarity_boost": 0.75, "style": style,
            "use_speaker_boost": True}


class ElevenLabsAdapter:
    """ElevenLabs over aiohttp. Reads ELEVENLABS_API_KEY and ELEVENLABS_BASE_URL at each call."""

    name = "elevenlabs"

    def __init__(self, *, timeout_s: float | None = None) -> None:
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"ElevenLabsAdapter(timeout_s={self.timeout_s!r})"

    def _session(self, context: CallContext) -> ProviderSession:
        return ProviderSession(ELEVENLABS, context.job_id, timeout_s=timeout_s(self.timeout_s))

    async def synthesize_speech(self, request: SpeechRequest, context: CallContext) -> bytes:
        params = dict(request.params)
        voice_id = params.pop("voice_id", None) or (
            DEFAULT_VOICE_ID if request.voice == "narrator" else request.voice)
        body: dict[str, Any] = {
            "text": request.text,
            "model_id": request.model or DEFAULT_MODELS[("elevenlabs", Role.SPEECH)],
            "voice_settings": {**voice_settings(request.emotion),
                               **params.pop("voice_settings", {})},
            **params,
        }
        async with self._session(context) as http:
            reply = await http.call(
                "POST", f"{http.base_url}/v1/text-to-speech/{voice_id}", json_body=body,
                params={"output_format": OUTPUT_FORMAT}, headers={"Accept": "audio/mpeg"},
                prompt=request.text, max_body_bytes=MAX_DOWNLOAD_BYTES["audio"],
            )
            audio = http.media_body(reply, "audio")
            # ElevenLabs bills characters and says how many in a header; without it, the text.
            characters = number(reply.headers.get("x-character-count"))
            context.report(Usage(self.name, {"characters": characters if characters is not None
                                             else len(request.text)}))
        return await normalize_media(audio, "audio", provider=self.name, job_id=context.job_id)

    async def generate_music(self, request: MusicRequest, context: CallContext) -> bytes:
        low, high = MUSIC_LENGTH_MS
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "music_length_ms": int(min(high, max(low, request.duration_s * 1000))),
            "model_id": request.model or DEFAULT_MODELS[("elevenlabs", Role.MUSIC)],
            **request.params,
        }
        async with self._session(context) as http:
            reply = await http.call(
                "POST", f"{http.base_url}/v1/music", json_body=body, prompt=request.prompt,
                params={"output_format": OUTPUT_FORMAT}, headers={"Accept": "audio/mpeg"},
                max_body_bytes=MAX_DOWNLOAD_BYTES["audio"],
            )
            audio = http.media_body(reply, "audio")
            # Music is billed by the length asked for; the answer reports nothing more.
            length_ms = number(body.get("music_length_ms")) or 0.0
            context.report(Usage(self.name, {"audio_seconds": length_ms / 1000}))
        return await normalize_media(audio, "audio", provider=self.name, job_id=context.job_id)

    async def generate_json(self, request: TextRequest, context: CallContext) -> dict[str, Any]:
        raise _unserved(context, "text")

    async def generate_image(self, request: ImageRequest, context: CallContext) -> bytes:
        raise _unserved(context, "image")

    async def generate_video(self, request: VideoRequest, context: CallContext) -> bytes:
        raise _unserved(context, "video")


def _unserved(context: CallContext, role: str) -> ProviderError:
    return ProviderError(
        f"{context.job_id}: elevenlabs does not serve the {role} role", retryable=False,
        provider="elevenlabs",
        hint=f"choose another adapter for {role} in the Moviefile's providers: section",
    )
