"""The price table: what one call of each model is expected to cost, in USD.

Units: per image, per second of generated audio or video, per 1k tokens for LLMs (with an
estimate of tokens per producer). Prices are list prices at the time of writing and only an
estimate. Offline and fake providers cost nothing. Cheap to import: dry runs use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import SEGMENT_LENGTH_S


@dataclass(frozen=True)
class Price:
    """``usd`` per ``unit``: "image", "second" or "1k-tokens"."""

    usd: float
    unit: str


#: (adapter, model) -> price. ``(adapter, "*")`` is the adapter's fallback per role below.
PRICES: dict[tuple[str, str], Price] = {
    ("openai", "gpt-4o-mini"): Price(0.0006, "1k-tokens"),
    ("openai", "gpt-4o"): Price(0.01, "1k-tokens"),
    ("openai", "gpt-4.1-mini"): Price(0.0016, "1k-tokens"),
    ("openai", "gpt-image-1"): Price(0.042, "image"),
    ("openai", "dall-e-3"): Price(0.04, "image"),
    ("openai", "gpt-4o-mini-tts"): Price(0.00025, "second"),
    ("openai", "tts-1"): Price(0.0003, "second"),
    ("elevenlabs", "eleven_multilingual_v2"): Price(0.0025, "second"),
    ("elevenlabs", "eleven_flash_v2_5"): Price(0.00125, "second"),
    ("elevenlabs", "music_v1"): Price(0.01, "second"),
    ("replicate", "black-forest-labs/flux-schnell"): Price(0.003, "image"),
    ("replicate", "black-forest-labs/flux-dev"): Price(0.025, "image"),
    ("replicate", "minimax/video-01"): Price(0.05, "second"),
    ("replicate", "meta/musicgen"): Price(0.0014, "second"),
    ("fal", "fal-ai/flux/schnell"): Price(0.003, "image"),
    ("fal", "fal-ai/flux/dev"): Price(0.025, "image"),
    ("fal", "fal-ai/kling-video/v2.1/standard/text-to-video"): Price(0.05, "second"),
    ("fal", "fal-ai/stable-audio"): Price(0.002, "second"),
}

#: When a model is not in the table: a conservative price per adapter and role.
FALLBACK: dict[tuple[str, Role], Price] = {
    ("openai", Role.TEXT): Price(0.01, "1k-tokens"),
    ("openai", Role.IMAGE): Price(0.08, "image"),
    ("openai", Role.SPEECH): Price(0.0005, "second"),
    ("elevenlabs", Role.SPEECH): Price(0.003, "second"),
    ("elevenlabs", Role.MUSIC): Price(0.01, "second"),
    ("replicate", Role.IMAGE): Price(0.03, "image"),
    ("replicate", Role.VIDEO): Price(0.1, "second"),
    ("replicate", Role.MUSIC): Price(0.005, "second"),
    ("replicate", Role.SPEECH): Price(0.003, "second"),
    ("fal", Role.IMAGE): Price(0.03, "image"),
    ("fal", Role.VIDEO): Price(0.1, "second"),
    ("fal", Role.MUSIC): Price(0.005, "second"),
}

FREE_ADAPTERS = frozenset({"offline", "fake", "internal"})


def estimated_tokens(producer: str, fields: Mapping[str, Any]) -> int:
    """Prompt plus answer tokens of one LLM call, estimated from the template and answer size."""
    if producer == "ScriptProducer":
        segments = int(fields.get("duration", SEGMENT_LENGTH_S)) // SEGMENT_LENGTH_S
        return 400 + 45 * segments
    if producer == "TextToImagePromptProducer":
        return 350 + 70 * int(fields.get("images_per_segment", 3))
    return 400


def units(producer: str, role: Role, unit: str, fields: Mapping[str, Any]) -> float:
    """How many ``unit`` one job of ``producer`` consumes."""
    if unit == "image":
        return 1.0
    if unit == "1k-tokens":
        return estimated_tokens(producer, fields) / 1000
    if role is Role.MUSIC:
        return float(fields.get("duration", SEGMENT_LENGTH_S))
    return float(SEGMENT_LENGTH_S)


def price_for(adapter: str, model: str | None, role: Role) -> Price | None:
    if adapter in FREE_ADAPTERS:
        return None
    return PRICES.get((adapter, model or "")) or FALLBACK.get((adapter, role))


def job_cost_usd(
    producer: str,
    role: Role,
    adapter: str,
    model: str | None,
    fields: Mapping[str, Any],
) -> float:
    """The estimated cost of one call."""
    price = price_for(adapter, model, role)
    if price is None:
        return 0.0
    return price.usd * units(producer, role, price.unit, fields)
