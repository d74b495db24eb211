"""Emulator fixtures for the network adapters: each test gets fresh emulators (thread mode) with
the adapters' environment pointed at them, fake keys, fast polling and a short timeout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import pytest

from moviebuild.providers.endpoints import ENDPOINTS, POLL_INTERVAL_ENV, TIMEOUT_ENV
from moviebuild.testing.emulators import (
    ElevenLabsEmulator,
    Emulator,
    FalEmulator,
    OpenAIEmulator,
    ReplicateEmulator,
)

FAKE_KEYS = {
    "openai": "sk-test-SECRET-openai-123",
    "elevenlabs": "el-test-SECRET-elevenlabs-456",
    "replicate": "r8_test-SECRET-replicate-789",
    "fal": "fal-test-SECRET-id:fal-secret-000",
}


@pytest.fixture
def provider_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No real provider variables, fast polls, and a read timeout a loaded machine's emulator
    answers within (0.5 s failed calls under load; the hang tests set a shorter one)."""
    for endpoint in ENDPOINTS.values():
        for var in (endpoint.key_env, *endpoint.base_envs):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(POLL_INTERVAL_ENV, "0.005")
    monkeypatch.setenv(TIMEOUT_ENV, "10")
    return monkeypatch


E = TypeVar("E", bound=Emulator)


def _serve(emulator: E, monkeypatch: pytest.MonkeyPatch) -> Iterator[E]:
    with emulator:
        for name, value in emulator.environment().items():
            monkeypatch.setenv(name, value)
        yield emulator


@pytest.fixture
def openai_emulator(provider_env: pytest.MonkeyPatch) -> Iterator[OpenAIEmulator]:
    yield from _serve(OpenAIEmulator(key=FAKE_KEYS["openai"], hang_s=5), provider_env)


@pytest.fixture
def elevenlabs_emulator(provider_env: pytest.MonkeyPatch) -> Iterator[ElevenLabsEmulator]:
    yield from _serve(ElevenLabsEmulator(key=FAKE_KEYS["elevenlabs"], hang_s=5), provider_env)


@pytest.fixture
def replicate_emulator(provider_env: pytest.MonkeyPatch) -> Iterator[ReplicateEmulator]:
    yield from _serve(ReplicateEmulator(key=FAKE_KEYS["replicate"], hang_s=5), provider_env)


@pytest.fixture
def fal_emulator(provider_env: pytest.MonkeyPatch) -> Iterator[FalEmulator]:
    yield from _serve(FalEmulator(key=FAKE_KEYS["fal"], hang_s=5), provider_env)
