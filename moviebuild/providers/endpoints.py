"""Where each network provider lives and how it is authenticated: the environment variables that
hold keys and base URLs, default base URLs, auth headers, and a cheap endpoint ``moviebuild doctor``
may GET. Data and environment lookups only; no network code, no aiohttp, no secrets kept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

#: Seconds before a silent provider is given up on (connect and each read); tests set ~0.2.
TIMEOUT_ENV = "MOVIEBUILD_HTTP_TIMEOUT_S"
#: Seconds between the first polls of a Replicate prediction or a fal request (it then grows).
POLL_INTERVAL_ENV = "MOVIEBUILD_POLL_INTERVAL_S"


@dataclass(frozen=True)
class ProviderEndpoint:
    """One provider's address and auth scheme. ``base_envs`` are tried in order.

    ``auth_scheme`` is ``bearer`` (``Authorization: Bearer <key>``), ``xi-api-key`` (ElevenLabs'
    own header) or ``key`` (fal's ``Authorization: Key <key>``).
    """

    name: str
    key_env: str
    base_envs: tuple[str, ...]
    default_base_url: str
    check_path: str
    auth_scheme: str

    def base_url(self, environ: Mapping[str, str] | None = None) -> str:
        env = os.environ if environ is None else environ
        for var in self.base_envs:
            value = env.get(var, "").strip()
            if value:
                return value.rstrip("/")
        return self.default_base_url

    def base_url_source(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The variable the base URL came from, or None for the built-in default."""
        env = os.environ if environ is None else environ
        return next((var for var in self.base_envs if env.get(var, "").strip()), None)

    def key(self, environ: Mapping[str, str] | None = None) -> str | None:
        env = os.environ if environ is None else environ
        value = env.get(self.key_env, "").strip()
        return value or None

    def auth_headers(self, key: str) -> dict[str, str]:
        if self.auth_scheme == "xi-api-key":
            return {"xi-api-key": key}
        if self.auth_scheme == "key":
            return {"Authorization": f"Key {key}"}
        return {"Authorization": f"Bearer {key}"}


OPENAI = ProviderEndpoint(
    "openai", "OPENAI_API_KEY", ("OPENAI_BASE_URL",), "https://api.openai.com/v1", "/models",
    "bearer",
)
ELEVENLABS = ProviderEndpoint(
    "elevenlabs", "ELEVENLABS_API_KEY", ("ELEVENLABS_BASE_URL",), "https://api.elevenlabs.io",
    "/v1/models", "xi-api-key",
)
REPLICATE = ProviderEndpoint(
    "replicate", "REPLICATE_API_TOKEN", ("REPLICATE_BASE_URL",), "https://api.replicate.com/v1",
    "/account", "bearer",
)
FAL = ProviderEndpoint(
    "fal", "FAL_KEY", ("FAL_QUEUE_URL", "FAL_BASE_URL"), "https://queue.fal.run", "/", "key",
)

ENDPOINTS: dict[str, ProviderEndpoint] = {e.name: e for e in (OPENAI, ELEVENLABS, REPLICATE, FAL)}


def env_float(name: str, default: float) -> float:
    """A positive number from the environment, else ``default``."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def display_url(url: str) -> str:
    """``url`` safe to print: no user:password, no query string, no fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
