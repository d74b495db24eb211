"""``moviebuild cost`` lists what each revision billed, per provider and per producer; ``status``
gives the total over every revision."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.project.movie import Movie
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from tests.conftest import write_moviefile

PAID = {"text": {"adapter": "openai"}, "image": {"adapter": "openai"},
        "speech": {"adapter": "elevenlabs"}, "music": {"adapter": "elevenlabs"}}


def _invoke(folder: Path, *args: str) -> str:
    _register()
    result = CliRunner().invoke(cli, ["-C", str(folder), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_cost_lists_each_revision_and_status_the_total(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=20, images_per_segment=1, providers=PAID)
    fake = FakeAdapter(clock=ManualClock())
    adapters = {"openai": fake, "elevenlabs": fake}
    first = Movie.open(folder).build(adapters=adapters, clock=fake.clock)
    changes = {"SegmentNarration[1]": "A new first line."}
    from moviebuild.project.changes import Changes

    second = Movie.open(folder).build(Changes(overrides=changes), adapters=adapters,
                                      clock=fake.clock)
    assert first.cost_usd > second.cost_usd > 0

    data = json.loads(_invoke(folder, "cost", "--json"))
    assert [r["revision"] for r in data["revisions"]] == ["r1", "r2"]
    assert abs(data["total_usd"] - (first.cost_usd + second.cost_usd)) < 1e-6
    assert set(data["revisions"][1]["per_producer_billed_usd"]) == {"AudioProducer",
                                                                    "TextToImagePromptProducer",
                                                                    "TextToImageProducer"}
    since = json.loads(_invoke(folder, "cost", "--since", "r2", "--json"))
    assert [r["revision"] for r in since["revisions"]] == ["r2"]
    assert "total billed" in _invoke(folder, "cost")

    state = json.loads(_invoke(folder, "status", "--json"))
    assert abs(state["cost"]["total_spent_usd"] - data["total_usd"]) < 1e-6
    assert state["cost"]["saved_usd"] > 0 and state["cost"]["price_table"]
    assert "spent on this movie" in _invoke(folder, "status")
