"""The example movie's job keys are fixed: describing producers and artifacts differently (labels,
file names) must not rebuild anyone's movie. The expected keys were recorded from a build of
``Moviefile.example.yaml`` with the offline providers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import moviebuild
from moviebuild.project.movie import Movie

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).with_name("data") / "example_keys.json"


def example_keys(tmp_path: Path) -> dict[str, str | None]:
    folder = tmp_path / "example"
    folder.mkdir()
    shutil.copy(ROOT / "Moviefile.example.yaml", folder / "Moviefile.yaml")
    moviebuild.open(folder).build()
    plan = Movie.open(folder).make_plan()
    return {str(planned.job.id): planned.decision.key for planned in plan.jobs}


def test_the_example_movies_keys_are_unchanged(tmp_path: Path) -> None:
    keys = example_keys(tmp_path)
    assert all(keys.values())
    assert keys == json.loads(EXPECTED.read_text(encoding="utf-8"))
