"""The offline adapter: every role served on this machine, deterministically, with no keys.

Media work runs in worker threads (ffmpeg subprocesses and Pillow release the GIL). With
``simulate_latency: medians`` each call first sleeps the producer's median latency times
``time_scale``, for benchmarks of the scheduler.
"""

from __future__ import annotations

import asyncio
from typing import Any

from moviebuild.providers.offline import text
from moviebuild.providers.requests import (
    CallContext,
    ImageRequest,
    MusicRequest,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)


class OfflineAdapter:
    """Real media without a network. ``take`` is the seed, so ``redo`` gives a new picture."""

    name = "offline"

    async def generate_json(self, request: TextRequest, context: CallContext) -> dict[str, Any]:
        return text.answer(request.producer, request.variables)

    async def synthesize_speech(self, request: SpeechRequest, context: CallContext) -> bytes:
        from moviebuild.providers.offline.speech import synthesize_speech

        return await asyncio.to_thread(
            synthesize_speech, request.text, voice=request.voice, language=request.language,
            emotion=request.emotion, seed=request.take,
        )

    async def generate_music(self, request: MusicRequest, context: CallContext) -> bytes:
        from moviebuild.providers.offline.music import synthesize_music

        return await asyncio.to_thread(
            synthesize_music, request.prompt, duration_s=request.duration_s, seed=request.take
        )

    async def generate_image(self, request: ImageRequest, context: CallContext) -> bytes:
        from moviebuild.providers.offline.image import render_image

        return await asyncio.to_thread(
            render_image, request.prompt, style=request.style, width=request.width,
            height=request.height, seed=request.take, references=_first_pictures(request),
        )

    async def generate_video(self, request: VideoRequest, context: CallContext) -> bytes:
        from moviebuild.providers.offline.video import render_video

        return await asyncio.to_thread(
            render_video, request.prompt, style=request.style, width=request.width,
            height=request.height, duration_s=request.duration_s, seed=request.take,
            start_image=request.start_image, references=_first_pictures(request),
        )


def _first_pictures(request: ImageRequest | VideoRequest) -> list[tuple[str, bytes]]:
    """Each reference sheet's first picture, which the offline renderer draws from."""
    return [(sheet.name, sheet.images[0]) for sheet in request.references if sheet.images]
