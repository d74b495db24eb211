"""What is known about providers without talking to them: roles each adapter serves, default
models and pool limits, prompt templates, and which provider and pool each job uses.

Cheap to import (no aiohttp, no adapter code), because dry runs need it.
"""

from __future__ import annotations

import functools
from importlib import resources

import xxhash

from moviebuild.config.enums import Role
from moviebuild.config.moviefile import LimitSpec, Moviefile, ProviderSpec
from moviebuild.graph import Job
from moviebuild.providers.endpoints import ENDPOINTS, display_url

#: meta/musicgen's version (the "stereo-melody-large" build on its Replicate page).
MUSICGEN_VERSION = "671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb"

#: Dated snapshots where the provider has them, so a default model cannot change under a job's
#: key. gpt-image-1, ElevenLabs' model ids, Replicate's official models (run by name) and fal's
#: endpoints have no pinnable version: see docs/providers.md, "Models that cannot be pinned".
DEFAULT_MODELS: dict[tuple[str, Role], str] = {
    ("openai", Role.TEXT): "gpt-4o-mini-2024-07-18",
    ("openai", Role.IMAGE): "gpt-image-1",
    ("openai", Role.SPEECH): "gpt-4o-mini-tts-2025-03-20",
    ("elevenlabs", Role.SPEECH): "eleven_multilingual_v2",
    ("elevenlabs", Role.MUSIC): "music_v1",
    ("replicate", Role.IMAGE): "black-forest-labs/flux-schnell",
    ("replicate", Role.VIDEO): "minimax/video-01",
    # Not an official model: Replicate runs it only by version (POST /v1/predictions), so it is
    # pinned to the version its model page and every public caller use.
    ("replicate", Role.MUSIC): f"meta/musicgen:{MUSICGEN_VERSION}",
    ("fal", Role.IMAGE): "fal-ai/flux/schnell",
    ("fal", Role.VIDEO): "fal-ai/kling-video/v2.1/standard/text-to-video",
    ("fal", Role.MUSIC): "fal-ai/stable-audio",
}

#: Pool limits when the Moviefile names none: conservative tiers of each provider's account.
DEFAULT_LIMITS: dict[str, LimitSpec] = {
    "offline": LimitSpec(concurrent=2),
    "fake": LimitSpec(concurrent=64),
    "openai": LimitSpec(concurrent=8, requests_per_minute=500),
    "elevenlabs": LimitSpec(concurrent=4, requests_per_minute=120),
    "replicate": LimitSpec(concurrent=8, requests_per_minute=600),
    "fal": LimitSpec(concurrent=8, requests_per_minute=600),
    "internal": LimitSpec(concurrent=2),
}


def provider_spec(moviefile: Moviefile, job: Job) -> ProviderSpec:
    """The Moviefile's choice for ``job``: by producer name, else by role, else offline."""
    return (
        moviefile.providers.get(job.producer)
        or moviefile.providers.get(job.role.value)
        or ProviderSpec()
    )


def endpoint_of(adapter: str) -> str | None:
    """The base URL a network adapter calls (from the environment, no credentials), part of its
    jobs' keys: another server behind the same model name is another model. None for the
    provider's own default URL, so keys made before endpoints entered them stay valid."""
    endpoint = ENDPOINTS.get(adapter)
    if endpoint is None:
        return None
    url = display_url(endpoint.base_url())
    return None if url == endpoint.default_base_url else url


@functools.cache
def template_text(producer: str) -> str | None:
    """The prompt template of an LLM producer (part of its job key), or None."""
    path = resources.files("moviebuild.providers") / "templates" / f"{producer}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


@functools.cache
def template_digest(producer: str) -> str | None:
    text = template_text(producer)
    return str(xxhash.xxh3_128_hexdigest(text.encode("utf-8"))) if text is not None else None


def pool_name(moviefile: Moviefile, adapter: str, role: Role) -> str:
    """``adapter:role`` when the Moviefile limits that pair separately, else ``adapter``."""
    specific = f"{adapter}:{role.value}"
    return specific if specific in moviefile.limits else adapter


def pool_limits(moviefile: Moviefile, pool: str) -> LimitSpec:
    adapter = pool.split(":", 1)[0]
    return (
        moviefile.limits.get(pool)
        or moviefile.limits.get(adapter)
        or DEFAULT_LIMITS.get(adapter, LimitSpec())
    )
