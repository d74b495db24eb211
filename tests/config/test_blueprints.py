"""Blueprints load into the movie graph; a malformed one names file:line and what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from moviebuild.config.blueprint import default_blueprint_dir, load_blueprints
from moviebuild.errors import ConfigError


def test_shipped_blueprints_declare_every_producer() -> None:
    names = {p.name for p in load_blueprints().producers}
    assert names == {
        "ResearchProducer",
        "ScriptProducer",
        "AudioProducer",
        "TextToMusicPromptProducer",
        "MusicProducer",
        "TextToImagePromptProducer",
        "TextToImageProducer",
        "TextToVideoPromptProducer",
        "TextToVideoProducer",
        "ImageToVideoPromptProducer",
        "StartingImageProducer",
        "ImageToVideoProducer",
        "TimelineAssembler",
    }


def _broken(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "blueprints"
    shutil.copytree(default_blueprint_dir(), folder)
    path = folder / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return folder


@pytest.mark.parametrize(
    ("name", "old", "new", "words"),
    [
        (
            "image_only.yaml",
            "cardinality: n*m\n    reads",
            "cardinality: m*n\n    reads",
            "cardinality must be one of",
        ),
        (
            "image_only.yaml",
            '"SegmentImagePrompt[i][j]"',
            '"SegmentImagePromt[i][j]"',
            "unknown artifact SegmentImagePromt",
        ),
        ("narration.yaml", '"SegmentNarration[i]"', '"SegmentNarration[i][j]"', "has 2 index"),
        ("music.yaml", "reads: [duration]", "reads: [durration]", "unknown field 'durration'"),
        ("music.yaml", "role: music", "role: musik", "unknown role"),
        ("video_by_text.yaml", "latency_s: 90", "latency: 90", "unknown key 'latency'"),
        ("movie.yaml", "include:", "include: [\n", "YAML syntax error"),
    ],
)
def test_malformed_blueprint_gives_file_line_and_problem(
    tmp_path: Path, name: str, old: str, new: str, words: str
) -> None:
    folder = _broken(tmp_path, name, old, new)
    with pytest.raises(ConfigError) as caught:
        load_blueprints(folder)
    assert words in caught.value.message
    location = caught.value.location
    assert location is not None and location.line is not None
    assert Path(str(location.path)).name == name
