"""Models that cannot change under a key: the endpoint a network adapter calls is in its jobs'
keys, so pointing OPENAI_BASE_URL at another server makes exactly the OpenAI jobs stale."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from moviebuild.engine.reasons import ReasonKind
from moviebuild.project.movie import Movie
from moviebuild.providers import catalog
from moviebuild.providers.endpoints import ENDPOINTS, POLL_INTERVAL_ENV, TIMEOUT_ENV
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.emulators import OpenAIEmulator
from moviebuild.testing.fake import FakeAdapter
from tests.conftest import write_moviefile

PROVIDERS = {
    "text": {"adapter": "openai"},
    "image": {"adapter": "fake"},
    "speech": {"adapter": "fake"},
    "music": {"adapter": "fake"},
}


@pytest.fixture
def two_openai_servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OpenAIEmulator, ...]]:
    for endpoint in ENDPOINTS.values():
        for var in (endpoint.key_env, *endpoint.base_envs):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(POLL_INTERVAL_ENV, "0.005")
    monkeypatch.setenv(TIMEOUT_ENV, "5")
    key = "sk-test-endpoint-0000"
    with OpenAIEmulator(key=key) as first, OpenAIEmulator(key=key) as second:
        for name, value in first.environment().items():
            monkeypatch.setenv(name, value)
        yield first, second


def test_default_models_are_dated_snapshots_where_the_provider_has_them() -> None:
    from moviebuild.config.enums import Role

    assert catalog.DEFAULT_MODELS[("openai", Role.TEXT)] == "gpt-4o-mini-2024-07-18"
    assert catalog.DEFAULT_MODELS[("openai", Role.SPEECH)] == "gpt-4o-mini-tts-2025-03-20"


def test_changing_openai_base_url_makes_exactly_the_openai_jobs_stale(
    tmp_path: Path, two_openai_servers: tuple[OpenAIEmulator, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = two_openai_servers
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=20, images_per_segment=1, providers=PROVIDERS)
    fake = FakeAdapter(clock=ManualClock())
    movie = Movie.open(folder)
    assert movie.build(adapters={"fake": fake}, clock=fake.clock).complete
    assert movie.make_plan().to_run() == []

    monkeypatch.setenv("OPENAI_BASE_URL", second.base_url)
    plan = Movie.open(folder).make_plan()
    changed = {str(p.job.id) for p in plan.to_run()
               if p.reason is not None and p.reason.kind is ReasonKind.ENDPOINT_CHANGED}
    openai_jobs = {str(p.job.id) for p in plan.jobs if p.adapter == "openai"}
    assert changed == openai_jobs and openai_jobs
    reason = next(p.reason for p in plan.to_run() if str(p.job.id) == "ScriptProducer")
    assert reason is not None and (reason.old, reason.new) == (first.base_url, second.base_url)
    assert {p.adapter for p in plan.to_run()
            if p.reason is not None and p.reason.kind is not ReasonKind.UPSTREAM_WILL_CHANGE
            } == {"openai"}

    calls_before = sum(fake.calls.values())
    result = Movie.open(folder).build(adapters={"fake": fake}, clock=fake.clock)
    assert result.complete
    assert second.served["chat"] == len(openai_jobs)
    # The other server answered with the same words, so nothing downstream ran again.
    assert sum(fake.calls.values()) == calls_before


def test_a_provider_answering_a_name_with_another_model_is_a_notice(
    tmp_path: Path, two_openai_servers: tuple[OpenAIEmulator, ...],
) -> None:
    first, _ = two_openai_servers
    providers = {**PROVIDERS, "text": {"adapter": "openai", "model": "gpt-4o-mini"}}
    fake = FakeAdapter(clock=ManualClock())
    one = tmp_path / "one"
    write_moviefile(one, duration=10, images_per_segment=1, providers=providers)
    built = Movie.open(one).build(adapters={"fake": fake}, clock=fake.clock)
    assert not [m for m in built.notices if "answered as" in m]
    record = json.loads((one / ".moviebuild" / "revisions" / "1.json").read_text())
    assert record["jobs"]["ScriptProducer"]["usage"][0]["model"] == "gpt-4o-mini-2024-07-18"

    first.served_models["gpt-4o-mini"] = "gpt-4o-mini-2025-01-01"
    two = tmp_path / "two"
    write_moviefile(two, duration=10, images_per_segment=1, providers=providers,
                    inquiry="How tides work")
    result = Movie.open(two).build(adapters={"fake": fake}, clock=fake.clock)
    notices = [m for m in result.notices if "answered as" in m]
    assert len(notices) == 1
    assert "gpt-4o-mini-2025-01-01, not gpt-4o-mini-2024-07-18" in notices[0]
