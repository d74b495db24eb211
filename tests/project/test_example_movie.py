"""The example movie builds offline end to end, and its timeline and asset map validate against
the JSON Schemas that `moviebuild schema timeline` publishes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli

ROOT = Path(__file__).resolve().parents[2]


def test_example_movie_builds_and_its_timeline_validates(tmp_path: Path) -> None:
    folder = tmp_path / "example"
    folder.mkdir()
    shutil.copy(ROOT / "Moviefile.example.yaml", folder / "Moviefile.yaml")
    _register()
    runner = CliRunner()
    built = runner.invoke(cli, ["-C", str(folder), "--json"])
    assert built.exit_code == 0, built.output
    summary = json.loads(built.output)
    assert summary["outcome"] == "complete"
    assert [job for job in summary["jobs"] if job["status"] != "done"] == []
    schema = json.loads(runner.invoke(cli, ["schema", "timeline"]).output)
    timeline = json.loads((folder / "out" / "timeline.json").read_text())
    jsonschema.validate(timeline, schema)
    assets = json.loads((folder / "out" / "assets.json").read_text())
    for clip in timeline["tracks"]["visual"] + timeline["tracks"]["narration"]:
        assert (folder / "out" / assets["assets"][clip["asset"]]).is_file()
    assert timeline["gaps"] == []
