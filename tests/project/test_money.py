"""Money you can trust, against the provider emulators (whose answers report usage as the
services' do): a build's bill is the emulators' reported units at the price table's prices,
token estimates learned from one movie fit the next better than the static ones, and a budget
holds during a build."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moviebuild.config.enums import Role
from moviebuild.project.cost import plan_cost_usd
from moviebuild.project.movie import Movie
from moviebuild.project.reports import BuildProviderCost, BuildReport
from moviebuild.providers.endpoints import ENDPOINTS, POLL_INTERVAL_ENV, TIMEOUT_ENV
from moviebuild.providers.prices import Learned, price_for
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.emulators import (
    ElevenLabsEmulator,
    Emulator,
    FalEmulator,
    OpenAIEmulator,
    ReplicateEmulator,
)
from moviebuild.testing.fake import FakeAdapter
from tests.conftest import write_moviefile

#: The emulators' own names for what they billed -> the price table's units.
UNIT_NAMES = {"prompt_tokens": "input_tokens", "completion_tokens": "output_tokens",
              "input_tokens": "input_tokens", "output_tokens": "output_tokens",
              "images": "images", "characters": "characters", "predict_time": "predict_seconds",
              "outputs": "outputs", "billable_units": "billable_units"}
ROLES = {"chat": Role.TEXT, "images": Role.IMAGE, "tts": Role.SPEECH, "poll": Role.MUSIC,
         "result": Role.VIDEO}


@pytest.fixture
def emulators(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Emulator]]:
    for endpoint in ENDPOINTS.values():
        for var in (endpoint.key_env, *endpoint.base_envs):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(POLL_INTERVAL_ENV, "0.005")
    monkeypatch.setenv(TIMEOUT_ENV, "10")
    with OpenAIEmulator(key="sk-test-money-00000") as openai, \
            ElevenLabsEmulator(key="el-test-money-00000") as elevenlabs, \
            ReplicateEmulator(key="r8-test-money-00000") as replicate, \
            FalEmulator(key="fal-test-money-00000") as fal:
        found: dict[str, Emulator] = {"openai": openai, "elevenlabs": elevenlabs,
                                      "replicate": replicate, "fal": fal}
        for emulator in found.values():
            for name, value in emulator.environment().items():
                monkeypatch.setenv(name, value)
        yield found


def provider(report: BuildReport, name: str) -> BuildProviderCost:
    return next(p for p in report.cost.providers if p.provider == name)


def emulated_bill_usd(emulator: Emulator, adapter: str) -> float:
    """The emulator's reported units at the price table's prices, computed here on their own."""
    total = 0.0
    for entry in emulator.billed:
        model = entry["model"]
        if adapter == "replicate" and model.endswith(":official"):
            model = model.removesuffix(":official")
        price = price_for(adapter, model, ROLES[entry["route"]])
        assert price is not None
        total += sum(price.rates.get(UNIT_NAMES.get(name, name), 0.0) * value
                     for name, value in entry["units"].items())
    return total


def test_a_builds_bill_is_the_emulators_reported_units_at_the_table_prices(
    tmp_path: Path, emulators: dict[str, Emulator]
) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=20, images_per_segment=1, use_video=True,
                    image_to_video=False, providers={
                        "text": {"adapter": "openai"},
                        "StartingImageProducer": {"adapter": "openai"},
                        "speech": {"adapter": "elevenlabs"},
                        "music": {"adapter": "replicate"},
                        "video": {"adapter": "fal"},
                    })
    result = Movie.open(folder).build()
    assert result.complete, result.to_json()
    for name, emulator in emulators.items():
        assert emulator.billed, f"{name} billed nothing"
        assert provider(result, name).billed_usd == pytest.approx(
            emulated_bill_usd(emulator, name), abs=1e-6), name
    assert result.cost.billed_usd == pytest.approx(
        sum(emulated_bill_usd(e, n) for n, e in emulators.items()), abs=1e-5)
    assert result.cost.price_table
    assert {p.provider for p in result.cost.providers if p.billed_usd} == set(emulators)

    manifest = json.loads((folder / ".moviebuild" / "revisions" / "1.json").read_text())
    script = manifest["jobs"]["ScriptProducer"]
    assert script["usage"][0]["model"] == "gpt-4o-mini-2024-07-18"
    assert set(script["usage"][0]["units"]) == {"input_tokens", "output_tokens"}
    assert manifest["summary"]["costs"]["openai"]["billed_usd"] == pytest.approx(
        provider(result, "openai").billed_usd, abs=1e-6)
    journal = (folder / ".moviebuild" / "journal" / "1.jsonl").read_text().splitlines()
    ends = [json.loads(line) for line in journal if '"event": "end"' in line
            or '"event":"end"' in line]
    assert any(e.get("usage") for e in ends)

    again = Movie.open(folder).build()
    # Reuse saved the price of the whole movie (its LLM calls now at learned token counts).
    assert again.cost.billed_usd == 0 and again.cost.saved_usd == pytest.approx(
        sum(p.ran_estimate_usd for p in result.cost.providers), rel=0.01)


TEXT_ONLY = {"text": {"adapter": "openai"}, "image": {"adapter": "fake"},
             "speech": {"adapter": "fake"}, "music": {"adapter": "fake"}}


def test_an_estimate_learned_from_one_movie_is_closer_to_the_bill_of_the_next(
    tmp_path: Path, emulators: dict[str, Emulator]
) -> None:
    fake = FakeAdapter(clock=ManualClock())
    first = tmp_path / "first"
    write_moviefile(first, duration=60, images_per_segment=2, providers=TEXT_ONLY)
    assert Movie.open(first).build(adapters={"fake": fake}, clock=fake.clock).complete

    second = tmp_path / "second"
    write_moviefile(second, inquiry="How lighthouses work", duration=30, images_per_segment=3,
                    providers=TEXT_ONLY)
    movie = Movie.open(second)
    plan = movie.make_plan()
    static = plan_cost_usd(plan, movie.moviefile, Learned())["openai"]
    learned = plan_cost_usd(plan, movie.moviefile)["openai"]
    result = Movie.open(second).build(adapters={"fake": fake}, clock=fake.clock)
    billed = provider(result, "openai").billed_usd
    assert result.complete and billed > 0
    assert abs(learned - billed) < abs(static - billed) / 2, (static, learned, billed)
    assert result.cost.estimate_usd == pytest.approx(learned, abs=1e-4)


def test_a_movies_call_history_lives_in_its_store_and_teaches_another_machine(
    tmp_path: Path, emulators: dict[str, Emulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeAdapter(clock=ManualClock())
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=60, images_per_segment=2, providers=TEXT_ONLY)
    assert Movie.open(folder).build(adapters={"fake": fake}, clock=fake.clock).complete
    kept = [json.loads(line) for line in
            (folder / ".moviebuild" / "usage.jsonl").read_text().splitlines()]
    assert {"ScriptProducer", "TextToImagePromptProducer"} <= {c["producer"] for c in kept}
    assert all(c["adapter"] == "openai" and c["output_tokens"] > 0 for c in kept)

    # Another machine, with no history of its own, builds the movie at another length.
    other_machine = tmp_path / "other-machine.jsonl"
    monkeypatch.setenv("MOVIEBUILD_USAGE_HISTORY", str(other_machine))
    write_moviefile(folder, duration=30, images_per_segment=3, providers=TEXT_ONLY)
    movie = Movie.open(folder)
    static = plan_cost_usd(movie.make_plan(), movie.moviefile, Learned())["openai"]
    learned = movie.plan().cost.estimate_usd
    assert not other_machine.exists()
    result = Movie.open(folder).build(adapters={"fake": fake}, clock=fake.clock)
    billed = provider(result, "openai").billed_usd
    assert result.complete and billed > 0
    assert abs(learned - billed) < abs(static - billed) / 2, (static, learned, billed)
    assert result.cost.estimate_usd == pytest.approx(learned, abs=1e-4)
    # The store's history grew by the second build's calls, and this machine's began.
    assert len((folder / ".moviebuild" / "usage.jsonl").read_text().splitlines()) > len(kept)
    assert other_machine.exists()


def test_a_checkout_counts_the_paid_outputs_it_restores_as_saved_not_spent(
    tmp_path: Path, emulators: dict[str, Emulator]
) -> None:
    from moviebuild.project.spent import movie_spending

    fake = FakeAdapter(clock=ManualClock())
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=30, images_per_segment=1, providers=TEXT_ONLY)
    first = Movie.open(folder).build(adapters={"fake": fake}, clock=fake.clock)
    write_moviefile(folder, duration=20, images_per_segment=1, providers=TEXT_ONLY)
    second = Movie.open(folder).build(adapters={"fake": fake}, clock=fake.clock)
    assert first.complete and second.complete and second.revision == 2
    spent = movie_spending(Movie.open(folder)).total_usd
    assert spent == pytest.approx(first.cost.billed_usd + second.cost.billed_usd, abs=1e-6)

    movie = Movie.open(folder)
    restored = movie.checkout(1)
    assert restored.spent_usd == 0 and restored.revision == 1
    assert restored.saved_usd == pytest.approx(first.cost.billed_usd, abs=1e-6)
    assert restored.jobs == sum(1 for p in movie.make_plan().jobs if p.adapter == "openai")
    # Nothing was spent: the movie's total is what the two builds billed, and building now
    # calls nothing.
    served = sum(emulators["openai"].served.values())
    assert movie.plan().cost.estimate_usd == 0
    again = Movie.open(folder).build(adapters={"fake": fake}, clock=fake.clock)
    assert again.cost.billed_usd == 0 and sum(emulators["openai"].served.values()) == served
    assert movie_spending(Movie.open(folder)).total_usd == pytest.approx(spent, abs=1e-9)


def test_a_budget_stops_a_build_whose_calls_cost_three_times_the_estimate(
    tmp_path: Path, emulators: dict[str, Any]
) -> None:
    openai: OpenAIEmulator = emulators["openai"]
    openai.usage_factor = 3.0
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=30, images_per_segment=2,
                    providers={"text": {"adapter": "openai"}, "image": {"adapter": "openai"},
                               "speech": {"adapter": "fake"}, "music": {"adapter": "fake"}},
                    limits={"openai": {"concurrent": 2}})
    movie = Movie.open(folder)
    estimate = sum(plan_cost_usd(movie.make_plan(), movie.moviefile).values())
    budget = round(estimate * 1.3, 2)
    fake = FakeAdapter(clock=ManualClock())
    result = movie.build(adapters={"fake": fake}, clock=fake.clock, budget_usd=budget)

    stopped = result.cost.budget
    assert stopped is not None and not result.complete
    assert result.outcome == "incomplete"
    assert f"of ${budget:.2f}" in stopped.message and stopped.message in result.notices
    assert stopped.left and stopped.left_estimate_usd > 0
    # Every call that started finished and was recorded; none was cut off.
    journal = [json.loads(line) for line in
               (folder / ".moviebuild" / "journal" / "1.jsonl").read_text().splitlines()]
    started = {e["job"] for e in journal if e["event"] == "start"}
    ended = {e["job"] for e in journal if e["event"] == "end" and e["status"] == "done"}
    assert started == ended
    spent = stopped.spent_usd
    assert spent == pytest.approx(result.cost.billed_usd, abs=1e-5)
    assert spent > estimate  # the calls cost more than estimated...
    manifest = json.loads((folder / ".moviebuild" / "revisions" / "1.json").read_text())
    assert manifest["summary"]["budget"]["message"] == stopped.message

    served_first = sum(openai.served.values())
    again = Movie.open(folder).build(adapters={"fake": fake}, clock=fake.clock,
                                     budget_usd=budget * 10)
    assert again.complete, again.to_json()
    openai_jobs = movie.make_plan().jobs
    paid = [p for p in openai_jobs if p.adapter == "openai"]
    # ...and nothing is paid twice: every OpenAI job was called exactly once over both builds.
    assert sum(openai.served.values()) == len(paid)
    assert sum(openai.served.values()) > served_first
