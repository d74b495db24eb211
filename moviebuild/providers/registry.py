"""Adapters by name, imported lazily so that a dry run never loads provider code."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from moviebuild.errors import ConfigError
from moviebuild.providers.requests import Adapter

_ADAPTERS = {
    "offline": ("moviebuild.providers.offline.adapter", "OfflineAdapter"),
    "fake": ("moviebuild.testing.fake", "FakeAdapter"),
    "openai": ("moviebuild.providers.openai", "OpenAIAdapter"),
    "elevenlabs": ("moviebuild.providers.elevenlabs", "ElevenLabsAdapter"),
    "replicate": ("moviebuild.providers.replicate", "ReplicateAdapter"),
    "fal": ("moviebuild.providers.fal", "FalAdapter"),
}


def make_adapter(name: str, settings: Mapping[str, Any] | None = None) -> Adapter:
    """A new adapter instance for provider ``name``; ``settings`` are adapter options."""
    try:
        module_name, class_name = _ADAPTERS[name]
    except KeyError:
        raise ConfigError(
            f"the '{name}' provider is not available in this version of moviebuild",
            hint="use `adapter: offline`, or install a version that ships this provider",
        ) from None
    factory = getattr(importlib.import_module(module_name), class_name)
    adapter: Adapter = factory(**(settings or {}))
    return adapter
