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
    assert first.cost.billed_usd > second.cost.billed_usd > 0

    data = json.loads(_invoke(folder, "cost", "--json"))
    assert [r["revision"] for r in data["revisions"]] == ["r1", "r2"]
    assert abs(data["total_usd"] - (first.cost.billed_usd + second.cost.billed_usd)) < 1e-5
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

    # Checking out r1 spends nothing: what its paid results had cost is saved.
    restored = json.loads(_invoke(folder, "checkout", "r1", "--json"))
    assert restored["spent_usd"] == 0 and restored["jobs"] > 0
    assert abs(restored["saved_usd"] - first.cost.billed_usd) < 1e-5
    assert "saved, nothing spent" in _invoke(folder, "checkout", "r2")
    after = json.loads(_invoke(folder, "cost", "--json"))
    assert after["total_usd"] == data["total_usd"]


def test_gc_keeps_every_revisions_media_unless_told_and_says_what_paid_media_would_go(
    tmp_path: Path,
) -> None:
    from moviebuild.project.changes import Changes

    folder = tmp_path / "movie"
    write_moviefile(folder, duration=20, images_per_segment=1, providers=PAID)
    fake = FakeAdapter(clock=ManualClock())
    adapters = {"openai": fake, "elevenlabs": fake}
    Movie.open(folder).build(adapters=adapters, clock=fake.clock)
    second = Movie.open(folder).build(Changes(overrides={"SegmentImagePrompt[1][1]": "A fox."}),
                                      adapters=adapters, clock=fake.clock)
    image_cost = next(p.billed_usd for p in second.cost.providers if p.provider == "openai")
    assert image_cost > 0

    everything = json.loads(_invoke(folder, "gc", "--dry-run", "--json"))
    assert everything["unreferenced"] == 0 and everything["paid_usd"] == 0

    dry = json.loads(_invoke(folder, "gc", "--dry-run", "--keep-revisions", "1", "--json"))
    # Revision 1's picture of segment 1 would go with its price (and the generated prompt the
    # edit replaced, whose call cost a fraction of a cent).
    assert dry["kept_revisions"] == [2] and dry["paid_blobs"] == 2
    assert image_cost <= dry["paid_usd"] < image_cost + 0.001
    assert "paid media that cost $" in _invoke(folder, "gc", "--dry-run", "--keep-revisions", "1")
    objects = folder / ".moviebuild" / "objects"
    before = len(list(objects.rglob("*.*")))
    _invoke(folder, "gc", "--keep-revisions", "1")
    assert len(list(objects.rglob("*.*"))) == before - dry["unreferenced"]
    assert json.loads(_invoke(folder, "cost", "--json"))["revisions"][0]["revision"] == "r1"
    _register()
    refused = CliRunner().invoke(cli, ["-C", str(folder), "gc", "--keep-revisions", "0"])
    assert refused.exit_code != 0 and "keep at least 1" in refused.output
