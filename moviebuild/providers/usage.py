"""What a provider reports it billed for one call: ``Usage``, in named units.

Adapters report it through ``CallContext.report`` as the answer arrives; the price table turns
units into dollars (``prices.billed_usd``). Plain data, cheap to import.

Unit names, one meaning each:

=================  ==================================================================
input_tokens       prompt tokens (OpenAI chat ``prompt_tokens``, images ``input_tokens``)
output_tokens      answer tokens (chat ``completion_tokens``, images ``output_tokens``)
images             images made, for providers that bill per image and report no tokens
characters         characters of text spoken (ElevenLabs ``x-character-count``)
audio_seconds      seconds of audio made (speech without a usage report, music)
video_seconds      seconds of video made
predict_seconds    Replicate ``metrics.predict_time`` (billed by the model's hardware)
outputs            files a Replicate official model made (billed per output)
billable_units     fal ``x-fal-billable-units`` (the model's own unit: megapixels, seconds)
=================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

UNITS = frozenset({
    "input_tokens", "output_tokens", "images", "characters", "audio_seconds", "video_seconds",
    "predict_seconds", "outputs", "billable_units",
})


@dataclass(frozen=True)
class Usage:
    """One call's bill as the provider reported it. ``model`` is the model the provider says
    ran (OpenAI's ``model``, Replicate's ``version``), None when its answer does not say."""

    provider: str
    units: Mapping[str, float] = field(default_factory=dict)
    model: str | None = None

    def to_json(self) -> dict[str, Any]:
        encoded: dict[str, Any] = {"provider": self.provider, "units": dict(self.units)}
        if self.model:
            encoded["model"] = self.model
        return encoded

    @classmethod
    def from_json(cls, value: Any) -> Usage | None:
        """A recorded usage, or None when ``value`` is not one (it is then left out)."""
        if not isinstance(value, Mapping) or not isinstance(value.get("provider"), str):
            return None
        units = value.get("units")
        if not isinstance(units, Mapping):
            return None
        clean = {str(k): float(v) for k, v in units.items()
                 if isinstance(v, int | float) and not isinstance(v, bool)}
        model = value.get("model")
        return cls(value["provider"], clean, model if isinstance(model, str) else None)


def number(value: Any) -> float | None:
    """A non-negative number from a provider's answer (JSON or a header), else None."""
    if isinstance(value, bool):
        return None
    try:
        found = float(value)
    except (TypeError, ValueError):
        return None
    return found if found >= 0 and found == found and found != float("inf") else None
