"""prompts/: strict parsing, edits as overrides, whitespace is not an edit, pinned notices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.errors import ConfigError
from moviebuild.graph import NodeId
from moviebuild.project.export import export_outputs
from moviebuild.project.movie import Movie
from moviebuild.project.prompts import parse_script, read_edits
from tests.conftest import MovieFactory, run_build, write_moviefile


def built(folder: Path) -> Path:
    run_build(folder)
    export_outputs(Movie.open(folder))
    return folder / "prompts"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("# Title\n\nT\n\n# Segmnt 2\n\nwords\n", 5, "not a section marker"),
        ("# Title\n\nT\n\n## Segment 2\n\nwords\n", 5, "not a section marker"),
        ("# Title\nT\n# Segment 1\na\n# Segment 1\nb\n", 5, "appears twice"),
        ("stray words\n# Title\nT\n", 1, "before the first section marker"),
    ],
)
def test_broken_script_sections_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_script(text, "prompts/script.md")
    assert words in caught.value.message
    assert str(caught.value).startswith(f"prompts/script.md:{line}:")
    assert caught.value.hint


def test_script_round_trips_sections() -> None:
    text = "# Title\n\nTides\n\n# Summary\n\nWater.\n\n# Segment 1\n\nOne.\nTwo.\n"
    sections = parse_script(text, "script.md")
    assert sections[NodeId("SegmentNarration", (1,))] == "One.\nTwo."
    assert sections[NodeId("MovieTitle")] == "Tides"


def test_whitespace_at_the_ends_is_not_an_edit(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    prompts = built(folder)
    path = prompts / "segment-02" / "image-1.txt"
    path.write_text("\n\n  " + path.read_text().strip() + "   \n\n\n")
    assert read_edits(folder) == {}


def test_an_edit_is_never_overwritten_and_status_reports_a_new_proposal(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(image_style="watercolor")
    prompts = built(folder)
    path = prompts / "segment-02" / "image-1.txt"
    path.write_text("my own picture\n")
    assert read_edits(folder) == {NodeId("SegmentImagePrompt", (2, 1)): "my own picture"}
    run_build(folder)
    export_outputs(Movie.open(folder))
    assert path.read_text() == "my own picture\n"
    fields = yaml.safe_load((folder / "Moviefile.yaml").read_text())
    write_moviefile(folder, **{**fields, "image_style": "anime"})
    result = run_build(folder)
    assert path.read_text() == "my own picture\n"
    assert any("SegmentImagePrompt[2][1] is pinned" in n for n in result.notices)
    _register()
    status = json.loads(CliRunner().invoke(cli, ["-C", str(folder), "status", "--json"]).output)
    edited = [p for p in status["prompts"] if p["source"] == "edited"]
    assert [(p["id"], p["file"], p["text"], p["generator_changed"]) for p in edited] == [
        ("SegmentImagePrompt[2][1]", "prompts/segment-02/image-1.txt", "my own picture", True)
    ]
    path.unlink()
    assert read_edits(folder) == {}, "deleting the file hands the slot back"


def test_set_on_the_command_line_overrides_a_slot(movie_folder: MovieFactory) -> None:
    folder = movie_folder()
    built(folder)
    _register()
    runner = CliRunner()
    bad = runner.invoke(cli, ["-C", str(folder), "build", "--set", "SegmentImage[1][1]=x"])
    assert bad.exit_code == 2 and "not a text artifact" in bad.output
    plan_args = [
        "-C",
        str(folder),
        "build",
        "--json",
        "--set",
        "SegmentImagePrompt[3][2]=a red lighthouse",
    ]
    result = runner.invoke(cli, plan_args)
    assert json.loads(result.output)["ran"] == {"TextToImageProducer": 1, "TimelineAssembler": 1}
