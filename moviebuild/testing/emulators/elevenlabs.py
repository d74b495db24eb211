"""An ElevenLabs emulator: text to speech per voice id and music, both answered with real MP3
bytes, the ``xi-api-key`` header, a concurrency cap answering 429 ``too_many_concurrent_requests``,
and ElevenLabs' ``{"detail": ...}`` error bodies. No timestamps endpoint, no streaming, no voice
library; music is a tone of the requested length (capped by ``max_music_s``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from moviebuild.testing.emulators.base import Emulator
from moviebuild.testing.emulators.media import mp3_bytes

VOICE_IDS = frozenset({"JBFqnCBsd6RMkjVDRZzb", "21m00Tcm4TlvDq8ikWAM", "EXAVITQu4vr4xnSDxMaL"})
OUTPUT_FORMATS = frozenset({"mp3_44100_128", "mp3_44100_64", "mp3_22050_32", "mp3_44100_192"})
WORDS_PER_S = 2.5


class ElevenLabsEmulator(Emulator):
    """``/v1/text-to-speech/{voice_id}``, ``/v1/music``, ``/v1/models``.

    Route names for faults: ``tts``, ``music``, ``models``, ``files``. ``max_concurrent`` caps
    requests in flight; ``delay_s`` holds each generation that long (to exercise the cap).
    """

    provider = "elevenlabs"
    key_env = "ELEVENLABS_API_KEY"
    base_env = "ELEVENLABS_BASE_URL"

    def __init__(self, *, max_concurrent: int = 5, delay_s: float = 0.0, max_music_s: float = 60,
                 **options: Any) -> None:
        super().__init__(**options)
        self.max_concurrent = max_concurrent
        self.delay_s = delay_s
        self.max_music_s = max_music_s
        self.in_flight = 0

    def presented_key(self, request: web.Request) -> str | None:
        return request.headers.get("xi-api-key")

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/text-to-speech/{voice_id}", self._tts, name="tts")
        router.add_post("/v1/music", self._music, name="music")
        router.add_get("/v1/models", self._models, name="models")

    def response_headers(self) -> dict[str, str]:
        return {"request-id": self.next_id("req"), "current-concurrent-requests":
                str(self.in_flight), "maximum-concurrent-requests": str(self.max_concurrent)}

    def error_response(self, status: int, message: str, *, code: str | None = None,
                       headers: Mapping[str, str] | None = None) -> web.Response:
        status_code = code or "error"
        if status == 429 and code != "too_many_concurrent_requests":
            status_code = "system_busy"
        body = {"detail": {"status": status_code, "message": message}}
        merged = {**self.response_headers(), **(headers or {})}
        return web.json_response(body, status=status, headers=merged)

    def _invalid(self, field: str, message: str) -> web.Response:
        body = {"detail": [{"loc": ["body", field], "msg": message, "type": "value_error"}]}
        return web.json_response(body, status=422, headers=self.response_headers())

    async def _generate(self, duration_s: float,
                        characters: int | None = None) -> web.Response:
        if self.in_flight >= self.max_concurrent:
            return self.error_response(429, "Too many concurrent requests for your plan.",
                                       code="too_many_concurrent_requests")
        self.in_flight += 1
        try:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            audio = await asyncio.to_thread(mp3_bytes, duration_s)
        finally:
            self.in_flight -= 1
        headers = {**self.response_headers(), "history-item-id": self.next_id("hist")}
        if characters is not None:
            # What ElevenLabs bills a speech request by.
            headers["x-character-count"] = str(characters)
        return web.Response(body=audio, content_type="audio/mpeg", headers=headers)

    async def _tts(self, request: web.Request) -> web.Response:
        voice_id = request.match_info["voice_id"]
        if request.query.get("output_format", "mp3_44100_128") not in OUTPUT_FORMATS:
            return self._invalid("output_format", "unsupported output format")
        if voice_id not in VOICE_IDS:
            return self.error_response(400, f"A voice with voice_id '{voice_id}' was not found.",
                                       code="voice_not_found")
        body = await request.json()
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return self._invalid("text", "field required")
        settings = body.get("voice_settings") or {}
        for name in ("stability", "similarity_boost", "style"):
            value = settings.get(name, 0.5)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                return self._invalid(f"voice_settings.{name}", "must be between 0 and 1")
        response = await self._generate(max(1.0, len(text.split()) / WORDS_PER_S), len(text))
        if response.status == 200:
            self.bill("tts", str(body.get("model_id")), characters=len(text))
        return response

    async def _music(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not isinstance(body, dict) or bool(body.get("prompt")) == bool(
                body.get("composition_plan")):
            return self._invalid("prompt", "give exactly one of prompt and composition_plan")
        length_ms = body.get("music_length_ms", 30_000)
        if not isinstance(length_ms, int) or not 3_000 <= length_ms <= 600_000:
            return self._invalid("music_length_ms", "must be between 3000 and 600000")
        return await self._generate(min(length_ms / 1000, self.max_music_s))

    async def _models(self, request: web.Request) -> web.Response:
        models = [{"model_id": m, "name": m, "can_do_text_to_speech": True}
                  for m in ("eleven_multilingual_v2", "eleven_flash_v2_5")]
        return web.json_response(models, headers=self.response_headers())
