"""An adapter wrapper that counts calls per job and can fail chosen jobs, around any real adapter
(the offline one in end-to-end tests), so a test sees exactly which provider calls a build made."""

from __future__ import annotations

from collections import Counter
from typing import Any

from moviebuild.errors import ProviderError
from moviebuild.providers.requests import (
    Adapter,
    CallContext,
    ImageRequest,
    MusicRequest,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)


class CountingAdapter:
    """Delegates to ``inner``; ``calls`` counts job ids; ``fail`` maps job ids to HTTP statuses."""

    def __init__(self, inner: Adapter) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls: Counter[str] = Counter()
        self.fail: dict[str, int] = {}

    def reset(self) -> None:
        self.calls.clear()

    def by_producer(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for job_id, number in self.calls.items():
            counts[job_id.split("[", 1)[0]] += number
        return dict(counts)

    def _count(self, context: CallContext) -> None:
        self.calls[context.job_id] += 1
        status = self.fail.get(context.job_id)
        if status is not None:
            raise ProviderError(
                f"{context.job_id}: HTTP {status}: injected",
                retryable=status == 429 or status >= 500,
            )

    async def generate_json(self, request: TextRequest, context: CallContext) -> dict[str, Any]:
        self._count(context)
        return await self.inner.generate_json(request, context)

    async def synthesize_speech(self, request: SpeechRequest, context: CallContext) -> bytes:
        self._count(context)
        return await self.inner.synthesize_speech(request, context)

    async def generate_music(self, request: MusicRequest, context: CallContext) -> bytes:
        self._count(context)
        return await self.inner.generate_music(request, context)

    async def generate_image(self, request: ImageRequest, context: CallContext) -> bytes:
        self._count(context)
        return await self.inner.generate_image(request, context)

    async def generate_video(self, request: VideoRequest, context: CallContext) -> bytes:
        self._count(context)
        return await self.inner.generate_video(request, context)
