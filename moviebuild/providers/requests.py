"""The requests adapters serve, one per role, and the Adapter protocol every provider implements.

Requests carry only what determines the output (all of it is in the job key) plus ``take``, the
sample number ``moviebuild redo`` bumps, which adapters may use as a seed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from moviebuild.providers.usage import Usage


@dataclass(frozen=True)
class TextRequest:
    """An LLM call: fill ``template`` with ``variables``; the answer must match ``schema``
    (which carries the item counts). ``max_output_tokens`` bounds the answer, so a model that
    loops stops instead of running into the timeout."""

    producer: str
    template: str
    variables: Mapping[str, Any]
    schema: Mapping[str, Any]
    model: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    take: int = 0
    max_output_tokens: int | None = None


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    voice: str
    language: str
    emotion: str | None = None
    model: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    take: int = 0


@dataclass(frozen=True)
class MusicRequest:
    prompt: str
    duration_s: float
    model: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    take: int = 0


@dataclass(frozen=True)
class ReferenceImages:
    """A continuity sheet the shot must match: its name, description and pictures."""

    name: str
    description: str
    images: tuple[bytes, ...]


@dataclass(frozen=True)
class ImageRequest:
    prompt: str
    style: str
    width: int
    height: int
    aspect_ratio: str
    model: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    take: int = 0
    references: tuple[ReferenceImages, ...] = ()


@dataclass(frozen=True)
class VideoRequest:
    prompt: str
    style: str
    width: int
    height: int
    aspect_ratio: str
    duration_s: float
    start_image: bytes | None = None
    model: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    take: int = 0
    references: tuple[ReferenceImages, ...] = ()


def _forget(data: Mapping[str, Any]) -> None:
    """A ``remember`` that keeps nothing (tests, dry runs)."""


def _ignore(usage: Usage) -> None:
    """A ``report`` that keeps nothing (tests, dry runs)."""


@dataclass(frozen=True)
class CallContext:
    """Per-call facts that are not part of the output.

    ``job_id`` names the job in messages. ``recall`` is what an earlier, interrupted attempt at
    this same job key asked to be remembered (e.g. ``{"prediction_id": "..."}``); ``remember``
    durably records such data (a journal line) BEFORE the adapter starts waiting, so a build
    resumed after a crash polls the provider's job instead of paying for a new one. ``report``
    takes what the provider says each paid request of the call billed (``Usage``).
    """

    job_id: str
    recall: Mapping[str, Any] = field(default_factory=dict)
    remember: Callable[[Mapping[str, Any]], None] = _forget
    report: Callable[[Usage], None] = _ignore


class Adapter(Protocol):
    """One AI provider. Each method raises ProviderError (retryable or not) on failure; a role
    the provider does not serve raises ProviderError(retryable=False)."""

    name: str

    async def generate_json(self, request: TextRequest, context: CallContext) -> dict[str, Any]: ...

    async def synthesize_speech(self, request: SpeechRequest, context: CallContext) -> bytes: ...

    async def generate_music(self, request: MusicRequest, context: CallContext) -> bytes: ...

    async def generate_image(self, request: ImageRequest, context: CallContext) -> bytes: ...

    async def generate_video(self, request: VideoRequest, context: CallContext) -> bytes: ...
