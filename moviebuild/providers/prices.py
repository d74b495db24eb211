"""The price table: USD per unit of what each model bills, the estimate of a call before it is
made, and the bill of a call from the units its provider reported (``usage.Usage``).

A price is a set of rates in the units of ``usage.py`` (tokens, characters, seconds, outputs...);
a model is billed only in the units it has rates for. Estimates use the same rates on estimated
units, so estimate and bill differ only where the units do. Prices are list prices as of
``PRICE_TABLE_VERSION``, examples rather than quotes. Offline and fake providers cost nothing.
Cheap to import: dry runs use it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moviebuild.config.enums import Role, frame_size
from moviebuild.config.moviefile import SEGMENT_LENGTH_S
from moviebuild.providers.usage import Usage

#: The date the list prices below were read; reports name it next to every billed figure.
PRICE_TABLE_VERSION = "2026-08-21"

_M = 1e-6


@dataclass(frozen=True)
class Price:
    """USD per unit, by unit name; ``hardware`` names what a per-second price pays for."""

    rates: Mapping[str, float]
    hardware: str | None = None

    def cost_usd(self, units: Mapping[str, float]) -> float:
        return sum(rate * units.get(unit, 0.0) for unit, rate in self.rates.items())


def _tokens(input_per_m: float, output_per_m: float) -> Price:
    return Price({"input_tokens": input_per_m * _M, "output_tokens": output_per_m * _M})


#: Replicate's per-second hardware prices (https://replicate.com/pricing).
HARDWARE_USD_PER_S = {"cpu": 0.0001, "gpu-t4": 0.000225, "gpu-l40s": 0.000975,
                      "gpu-a100-large": 0.0014, "gpu-h100": 0.001525}

#: (adapter, model) -> price. Dated OpenAI snapshots and Replicate ``name:version`` ids fall
#: back to the undated name (see ``price_for``).
PRICES: dict[tuple[str, str], Price] = {
    ("openai", "gpt-4o-mini"): _tokens(0.15, 0.60),
    ("openai", "gpt-4o"): _tokens(2.50, 10.00),
    ("openai", "gpt-4.1-mini"): _tokens(0.40, 1.60),
    # Text input tokens and image output tokens (1024x1024 high quality: 4160 tokens).
    ("openai", "gpt-image-1"): _tokens(5.00, 40.00),
    ("openai", "dall-e-3"): Price({"images": 0.04}),
    # The speech endpoint reports no usage: priced per second made (about $0.015 a minute).
    ("openai", "gpt-4o-mini-tts"): Price({"audio_seconds": 0.00025}),
    ("openai", "tts-1"): Price({"characters": 15 * _M}),
    ("openai", "tts-1-hd"): Price({"characters": 30 * _M}),
    ("elevenlabs", "eleven_multilingual_v2"): Price({"characters": 0.10 / 1000}),
    ("elevenlabs", "eleven_v3"): Price({"characters": 0.10 / 1000}),
    ("elevenlabs", "eleven_flash_v2_5"): Price({"characters": 0.05 / 1000}),
    ("elevenlabs", "eleven_turbo_v2_5"): Price({"characters": 0.05 / 1000}),
    ("elevenlabs", "music_v1"): Price({"audio_seconds": 0.30 / 60}),
    ("replicate", "black-forest-labs/flux-schnell"): Price({"outputs": 0.003}),
    ("replicate", "black-forest-labs/flux-dev"): Price({"outputs": 0.025}),
    ("replicate", "black-forest-labs/flux-1.1-pro"): Price({"outputs": 0.04}),
    ("replicate", "minimax/video-01"): Price({"outputs": 0.50}),
    ("replicate", "meta/musicgen"): Price(
        {"predict_seconds": HARDWARE_USD_PER_S["gpu-a100-large"]}, "gpu-a100-large"),
    ("fal", "fal-ai/flux/schnell"): Price({"billable_units": 0.003}),  # per megapixel
    ("fal", "fal-ai/flux/dev"): Price({"billable_units": 0.025}),  # per megapixel
    ("fal", "fal-ai/kling-video/v2.1/standard/text-to-video"): Price({"billable_units": 0.05}),
    ("fal", "fal-ai/kling-video/v2.1/standard/image-to-video"): Price({"billable_units": 0.05}),
    ("fal", "fal-ai/stable-audio"): Price({"billable_units": 0.002}),  # per second
}

#: When a model is not in the table: a conservative price per adapter and role.
FALLBACK: dict[tuple[str, Role], Price] = {
    ("openai", Role.TEXT): _tokens(2.50, 10.00),
    ("openai", Role.IMAGE): Price({"images": 0.08, "output_tokens": 40 * _M}),
    ("openai", Role.SPEECH): Price({"audio_seconds": 0.0005}),
    ("elevenlabs", Role.SPEECH): Price({"characters": 0.12 / 1000}),
    ("elevenlabs", Role.MUSIC): Price({"audio_seconds": 0.01}),
    ("replicate", Role.IMAGE): Price({"outputs": 0.03}),
    ("replicate", Role.VIDEO): Price({"outputs": 1.0}),
    ("replicate", Role.MUSIC): Price({"outputs": 0.1}),
    ("replicate", Role.SPEECH): Price({"outputs": 0.05}),
    ("fal", Role.IMAGE): Price({"billable_units": 0.03}),
    ("fal", Role.VIDEO): Price({"billable_units": 0.1}),
    ("fal", Role.MUSIC): Price({"billable_units": 0.005}),
}
#: A Replicate model run by version bills its predict time on hardware the table may not know.
_VERSIONED_FALLBACK = Price({"predict_seconds": HARDWARE_USD_PER_S["gpu-a100-large"]},
                            "gpu-a100-large")

FREE_ADAPTERS = frozenset({"offline", "fake", "internal"})
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")
#: Characters a narrator speaks per second (about 2.5 words of 6 characters).
CHARACTERS_PER_S = 15
#: gpt-image-1's output tokens per size at high quality (what ``quality: auto`` usually picks).
IMAGE_TOKENS = {"1024x1024": 4160, "1536x1024": 6240, "1024x1536": 6240}


@dataclass(frozen=True)
class TokenEstimate:
    """Tokens of one LLM call: a fixed prompt part, and answer tokens per item of ``size``."""

    input_tokens: float
    output_tokens_per_item: float
    output_tokens_base: float = 0.0
    samples: int = 0
    learned: bool = False

    def units(self, size: int) -> dict[str, float]:
        return {"input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens_base + self.output_tokens_per_item * size}


@dataclass(frozen=True)
class Learned:
    """Token estimates learned from earlier calls, by (adapter, model, producer)."""

    tokens: Mapping[tuple[str, str, str], TokenEstimate] = field(default_factory=dict)


def answer_size(producer: str, fields: Mapping[str, Any]) -> int:
    """What an LLM answer's length grows with: segments of a script, prompts per segment."""
    if producer == "ScriptProducer":
        return max(1, int(fields.get("duration", SEGMENT_LENGTH_S)) // SEGMENT_LENGTH_S)
    if producer == "TextToImagePromptProducer":
        return max(1, int(fields.get("images_per_segment", 3)))
    return 1


def static_tokens(producer: str) -> TokenEstimate:
    """The estimate before any history: the template and schema, and the answer's items."""
    if producer == "ScriptProducer":
        return TokenEstimate(300, 45, 100)
    if producer == "TextToImagePromptProducer":
        return TokenEstimate(300, 70, 50)
    return TokenEstimate(300, 100)


def estimated_tokens(producer: str, fields: Mapping[str, Any]) -> int:
    """Prompt plus answer tokens of one LLM call by the static estimate."""
    units = static_tokens(producer).units(answer_size(producer, fields))
    return round(sum(units.values()))


def estimated_units(producer: str, role: Role, fields: Mapping[str, Any],
                    tokens: TokenEstimate | None = None) -> dict[str, float]:
    """The units one job of ``producer`` is expected to consume, in every unit a provider might
    bill it by (a price charges only its own)."""
    if role is Role.TEXT:
        return (tokens or static_tokens(producer)).units(answer_size(producer, fields))
    if role is Role.SPEECH:
        return {"characters": SEGMENT_LENGTH_S * CHARACTERS_PER_S,
                "audio_seconds": SEGMENT_LENGTH_S, "outputs": 1}
    if role is Role.MUSIC:
        seconds = float(fields.get("duration", SEGMENT_LENGTH_S))
        return {"audio_seconds": seconds, "billable_units": seconds,
                "predict_seconds": seconds, "outputs": 1}
    if role is Role.VIDEO:
        return {"video_seconds": SEGMENT_LENGTH_S, "billable_units": SEGMENT_LENGTH_S,
                "predict_seconds": 60, "outputs": 1}
    width, height = _frame(fields)
    size = "1536x1024" if width > height else "1024x1536" if height > width else "1024x1024"
    return {"images": 1, "outputs": 1, "input_tokens": 60,
            "output_tokens": IMAGE_TOKENS[size],
            "billable_units": math.ceil(width * height / 1e5) / 10, "predict_seconds": 5}


def _frame(fields: Mapping[str, Any]) -> tuple[int, int]:
    try:
        return frame_size(fields["size"], fields["aspect_ratio"])
    except (KeyError, ValueError, TypeError):
        return 1024, 576


def price_for(adapter: str, model: str | None, role: Role) -> Price | None:
    """The price of ``model``: as named, else its undated or unversioned name, else the
    adapter's fallback for the role. None for free adapters."""
    if adapter in FREE_ADAPTERS:
        return None
    name = model or ""
    for candidate in (name, _DATED.sub("", name), name.split(":", 1)[0]):
        found = PRICES.get((adapter, candidate))
        if found is not None:
            return found
    if adapter == "replicate" and ":" in name:
        return _VERSIONED_FALLBACK
    return FALLBACK.get((adapter, role))


def job_cost_usd(
    producer: str,
    role: Role,
    adapter: str,
    model: str | None,
    fields: Mapping[str, Any],
    learned: Learned | None = None,
) -> float:
    """The estimated cost of one call (with learned token counts for LLM calls when known)."""
    price = price_for(adapter, model, role)
    if price is None:
        return 0.0
    tokens = learned.tokens.get((adapter, model or "", producer)) if learned else None
    return price.cost_usd(estimated_units(producer, role, fields, tokens))


def billed_usd(adapter: str, model: str | None, role: Role, usages: Iterable[Usage]) -> float:
    """What the reported units of one job's calls cost at the table's prices."""
    price = price_for(adapter, model, role)
    if price is None:
        return 0.0
    return sum(price.cost_usd(usage.units) for usage in usages)
