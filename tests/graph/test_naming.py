"""Labels and files come from the blueprints, and every file maps back to its artifact."""

from __future__ import annotations

from pathlib import Path

import pytest

from moviebuild.config.blueprint import default_blueprint_dir, load_blueprints
from moviebuild.errors import ConfigError
from moviebuild.graph import NodeId
from moviebuild.graph.naming import (
    artifacts_at,
    label_of,
    out_file,
    prompts_file,
    reading_order,
)


def test_labels_of_artifacts_and_jobs() -> None:
    assert label_of(NodeId("SegmentImage", (3, 2))) == "Segment 3, image 2"
    assert label_of(NodeId("TextToImageProducer", (1, 1))) == "Segment 1, image 1"
    assert label_of(NodeId("MovieTitle")) == "Title"
    # An index that does not fit the artifact is shown as it is, not guessed at.
    assert label_of(NodeId("SegmentImage", (3,))) == "SegmentImage[3]"


def test_files_under_out_and_prompts() -> None:
    assert out_file(NodeId("SegmentImage", (3, 2))) == "segment-03/image-2.png"
    assert prompts_file(NodeId("SegmentImagePrompt", (3, 2))) == "segment-03/image-2.txt"
    assert out_file(NodeId("SegmentNarration", (1,))) is None
    assert prompts_file(NodeId("SegmentNarration", (1,))) == "script.md"
    assert out_file(NodeId("Timeline")) == "timeline.json"


def test_every_file_names_its_artifact_back() -> None:
    blueprints = load_blueprints()
    for decl in blueprints.artifacts.values():
        index = {"1": (), "n": (12,), "n*m": (12, 3)}[decl.cardinality]
        artifact_id = NodeId(decl.name, index)
        for folder in ("out", "prompts"):
            name = out_file(artifact_id) if folder == "out" else prompts_file(artifact_id)
            if name is not None and name != "script.md":
                assert artifact_id in artifacts_at(name, folder), (artifact_id, folder)
    assert artifacts_at("segment-3/image-2.png", "out") == []
    assert artifacts_at("segment-01/image-2.jpg", "prompts", any_extension=True) == [
        NodeId("SegmentImagePrompt", (1, 2)),
        NodeId("SegmentImage", (1, 2)),
    ]


def test_reading_order_is_movie_then_segment_by_segment() -> None:
    ids = [
        NodeId("SegmentImagePrompt", (2, 1)),
        NodeId("SegmentNarration", (2,)),
        NodeId("MusicPrompt"),
        NodeId("SegmentImagePrompt", (1, 2)),
        NodeId("MovieTitle"),
    ]
    assert [str(a) for a in reading_order(ids)] == [
        "MovieTitle",
        "MusicPrompt",
        "SegmentImagePrompt[1][2]",
        "SegmentNarration[2]",
        "SegmentImagePrompt[2][1]",
    ]


def test_a_template_naming_an_index_its_artifact_lacks_is_refused(tmp_path: Path) -> None:
    for source in default_blueprint_dir().glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text())
    music = tmp_path / "music.yaml"
    music.write_text(music.read_text().replace("out: music.mp3", 'out: "music-{i}.mp3"'))
    with pytest.raises(ConfigError, match="names i, which cardinality 1"):
        load_blueprints(tmp_path)
