"""Dry-run cost estimates from the price table; reused work costs nothing; --budget refuses."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.config.enums import Role
from moviebuild.project.movie import Movie
from moviebuild.providers.prices import PRICES, answer_size, static_tokens
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from tests.conftest import write_moviefile

PAID = {
    "text": {"adapter": "openai", "model": "gpt-4o-mini"},
    "image": {"adapter": "openai", "model": "gpt-image-1"},
    "speech": {"adapter": "elevenlabs", "model": "eleven_multilingual_v2"},
    "music": {"adapter": "elevenlabs", "model": "music_v1"},
}


def dry_run(folder: Path, *extra: str) -> tuple[int, str]:
    _register()
    result = CliRunner().invoke(cli, ["-C", str(folder), "--dry-run", "--json", *extra])
    return result.exit_code, result.output


def expected_cost(jobs: list[dict[str, str]], duration: int, m: int) -> float:
    fields = {"duration": duration, "images_per_segment": m}
    total = 0.0
    for job in jobs:
        producer = job["producer"]
        if producer == "TimelineAssembler":
            continue
        role = {
            "AudioProducer": Role.SPEECH,
            "MusicProducer": Role.MUSIC,
            "TextToImageProducer": Role.IMAGE,
        }.get(producer, Role.TEXT)
        model = PAID[role.value]["model"]
        rates = PRICES[(PAID[role.value]["adapter"], model)].rates
        if role is Role.TEXT:
            tokens = static_tokens(producer).units(answer_size(producer, fields))
            total += sum(rates[unit] * n for unit, n in tokens.items())
        elif role is Role.IMAGE:
            total += rates["input_tokens"] * 60 + rates["output_tokens"] * 6240  # 16:9 frames
        elif role is Role.SPEECH:
            total += rates["characters"] * 150
        else:
            total += rates["audio_seconds"] * duration
    return total


def test_dry_run_cost_is_the_sum_of_the_price_table_for_listed_jobs(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=60, images_per_segment=3, providers=PAID)
    code, output = dry_run(folder)
    assert code == 0
    data = json.loads(output)
    assert len(data["jobs"]) == 1 + 1 + 1 + 6 + 6 + 18 + 1
    cost = data["cost"]
    assert abs(cost["estimate_usd"] - expected_cost(data["jobs"], 60, 3)) < 1e-4
    assert cost["estimate_usd"] > 0.5
    assert {p["provider"] for p in cost["providers"] if p["estimate_usd"]} == {
        "openai", "elevenlabs"
    }
    assert cost["estimate_usd"] == round(sum(p["estimate_usd"] for p in cost["providers"]), 6)


def test_no_op_rebuild_costs_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=30, images_per_segment=2, providers=PAID)
    fake = FakeAdapter(clock=ManualClock())
    movie_adapters = {"openai": fake, "elevenlabs": fake}
    result = Movie.open(folder).build(adapters=movie_adapters, clock=fake.clock)
    assert result.complete
    _, output = dry_run(folder)
    data = json.loads(output)
    assert data["jobs"] == [] and data["cost"]["estimate_usd"] == 0


def test_budget_refuses_a_build_over_it(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=60, providers=PAID)
    _register()
    result = CliRunner().invoke(cli, ["-C", str(folder), "--budget", "0.10"])
    assert result.exit_code == 2
    assert "over the budget $0.10" in result.output
    assert not (folder / ".moviebuild").exists(), "nothing was started"


def test_offline_movie_costs_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=30)
    code, output = dry_run(folder, "--budget", "0")
    assert code == 0 and json.loads(output)["cost"]["estimate_usd"] == 0


def test_build_summary_cost_equals_the_dry_run_estimate(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=20, images_per_segment=1, providers=PAID)
    plan = json.loads(dry_run(folder)[1])["cost"]
    fake = FakeAdapter(clock=ManualClock())
    movie = Movie.open(folder)
    result = movie.build(adapters={"openai": fake, "elevenlabs": fake}, clock=fake.clock)
    assert result.complete
    assert abs(result.cost.spent_usd - plan["estimate_usd"]) < 1e-4
    assert result.cost.estimate_usd == plan["estimate_usd"]
    assert [(p.provider, p.calls, p.estimate_usd) for p in result.cost.providers] == [
        (p["provider"], p["calls"], p["estimate_usd"]) for p in plan["providers"]
    ], "the build's cost per provider is the dry run's"
