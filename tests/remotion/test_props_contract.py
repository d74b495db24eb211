"""The contract between the assembler and the composition: every timeline moviebuild writes is
valid input for remotion/, checked against the composition's own props schema (with Python's
jsonschema, always) and by the composition's validator (ajv, when Node is there). The TypeScript
envelope and Ken Burns arithmetic agree with the Python reference."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moviebuild.cli.schema_cmd import schema as schema_command
from moviebuild.config.enums import AssemblyStrategy
from moviebuild.project.export import OUT_DIR, export_outputs
from moviebuild.project.movie import Movie
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter, FaultRule
from moviebuild.timeline import (
    AssemblyMaterial,
    AssetRef,
    ExpectedAssets,
    SegmentMaterial,
    assemble_timeline,
    asset_map_json_schema,
    dump_timeline,
    load_timeline,
)
from tests.conftest import FAKE_MEDIA, run_build, write_moviefile
from tests.remotion.conftest import REMOTION

SCHEMA_DIR = REMOTION / "schema"
BRANCHES: dict[str, dict[str, Any]] = {
    "images": {"use_video": False},
    "video-by-text": {"use_video": True, "image_to_video": False},
    "video-by-image": {"use_video": True, "image_to_video": True},
    # One movie with all three, segment by segment, and a failed image and video (gaps).
    "mixed-with-gaps": {
        "segments": {2: {"use_video": True}, 3: {"use_video": True, "image_to_video": True}},
    },
}

CASES = [(branch, strategy.value) for branch in BRANCHES for strategy in AssemblyStrategy]


def props_validator() -> Any:
    """jsonschema's validator for props.schema.json, with the two schemas it refers to."""
    jsonschema = pytest.importorskip("jsonschema", reason="the dev extra installs jsonschema")
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry()
    for name in ("timeline.schema.json", "asset-map.schema.json"):
        document = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        registry = registry.with_resource(name, Resource.from_contents(document))
    props = json.loads((SCHEMA_DIR / "props.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(props, registry=registry)


def assembled_props(folder: Path, branch: str, strategy: str) -> dict[str, Any]:
    """Build a 3-segment movie of ``branch`` with the fake media adapter; the props of its out/."""
    faults = []
    if branch == "mixed-with-gaps":
        faults = [FaultRule("TextToImageProducer[1][2]", 400), FaultRule("*Video*[2]", 400)]
    write_moviefile(
        folder, duration=30, images_per_segment=2, assembly=strategy, providers=FAKE_MEDIA,
        **BRANCHES[branch],
    )  # fmt: skip
    run_build(folder, FakeAdapter(clock=ManualClock(), faults=faults))
    export_outputs(Movie.open(folder))
    timeline_path = folder / OUT_DIR / "timeline.json"
    assert timeline_path.is_file(), "the TimelineAssembler wrote no timeline"
    return {
        "timeline": json.loads(timeline_path.read_bytes()),
        "assets": json.loads((timeline_path.parent / "assets.json").read_bytes()),
        "assetBaseUrl": "http://127.0.0.1:8000/movie/",
    }


@pytest.fixture(scope="module")
def all_props(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (branch, strategy): assembled_props(
            tmp_path_factory.mktemp(f"{branch}-{strategy}") / "movie", branch, strategy
        )
        for branch, strategy in CASES
    }


def test_the_schema_files_are_what_moviebuild_publishes() -> None:
    printed = CliRunner().invoke(schema_command, ["timeline"])
    assert printed.exit_code == 0
    timeline_file = (SCHEMA_DIR / "timeline.schema.json").read_text(encoding="utf-8")
    assets_file = (SCHEMA_DIR / "asset-map.schema.json").read_text(encoding="utf-8")
    hint = "the timeline model changed: run `npm run schema && npm run types` in remotion/"
    assert timeline_file == printed.output, hint
    assert json.loads(assets_file) == asset_map_json_schema(), hint


@pytest.mark.parametrize(("branch", "strategy"), CASES)
def test_assembled_timelines_validate_against_the_composition_props_schema(
    all_props: dict[tuple[str, str], dict[str, Any]], branch: str, strategy: str
) -> None:
    props = all_props[(branch, strategy)]
    timeline = load_timeline(json.dumps(props["timeline"]).encode())
    kinds = {clip.type for clip in timeline.tracks.visual}
    expected = {"images": {"image"}, "mixed-with-gaps": {"image", "video"}}.get(branch, {"video"})
    assert kinds == expected, "the build did not take the branch under test"
    if branch == "mixed-with-gaps":
        assert {gap.reason.value for gap in timeline.gaps} >= {"image-missing", "visual-missing"}

    errors = sorted(props_validator().iter_errors(props), key=lambda error: error.json_path)
    assert not errors, "\n".join(f"{error.json_path}: {error.message}" for error in errors)


def probe(node_project: tuple[Path, str], request: dict[str, Any]) -> dict[str, Any]:
    project, node = node_project
    done = subprocess.run(
        [node, str(project / "dist" / "probe.mjs")],
        input=json.dumps(request), capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


@pytest.mark.parametrize(("branch", "strategy"), CASES)
def test_the_composition_accepts_every_assembled_timeline(
    all_props: dict[tuple[str, str], dict[str, Any]],
    node_project: tuple[Path, str],
    branch: str,
    strategy: str,
) -> None:
    props = all_props[(branch, strategy)]
    answer = probe(node_project, {"props": props})

    assert answer.get("ok"), answer.get("error")
    timeline = props["timeline"]
    assert answer["durationInFrames"] == round(timeline["duration_s"] * timeline["fps"])


def test_invalid_props_fail_with_a_message_naming_the_field(
    all_props: dict[tuple[str, str], dict[str, Any]], node_project: tuple[Path, str]
) -> None:
    props = json.loads(json.dumps(all_props[("images", "fixed")]))
    del props["timeline"]["tracks"]["visual"][1]["ken_burns"]["start"]
    unmapped = json.loads(json.dumps(all_props[("images", "fixed")]))
    del unmapped["assets"]["assets"]["MusicTrack"]

    broken = probe(node_project, {"props": props})
    missing = probe(node_project, {"props": unmapped})

    assert not broken["ok"] and "timeline.tracks.visual[1]" in broken["error"]
    assert "input props are invalid" in broken["error"]
    assert not missing["ok"] and "no path or URL for 'MusicTrack'" in missing["error"]


def test_the_music_envelope_matches_the_python_reference(node_project: tuple[Path, str]) -> None:
    # Short narrations in 10 s segments: ramps down, ducked stretches, ramps up, full volume.
    segments = tuple(
        SegmentMaterial(
            index=index,
            expected=ExpectedAssets(narration=f"SegmentAudio[{index}]", images=(image,)),
            narration=AssetRef(f"SegmentAudio[{index}]", spoken_s),
            images=(image,),
        )
        for index, spoken_s, image in (
            (1, 4.0, "SegmentImage[1][1]"),
            (2, 6.5, "SegmentImage[2][1]"),
        )
    )
    material = AssemblyMaterial(
        title="Ducking", fps=30, width=640, height=360, segments=segments,
        music=AssetRef("MusicTrack", 60.0), expected_music="MusicTrack",
    )  # fmt: skip
    timeline = assemble_timeline(material, AssemblyStrategy.FIXED)
    ids = ["MusicTrack", "SegmentAudio[1]", "SegmentAudio[2]", "SegmentImage[1][1]",
           "SegmentImage[2][1]"]  # fmt: skip
    props = {
        "timeline": json.loads(dump_timeline(timeline)),
        "assets": {"assets": {asset: f"{asset}.bin" for asset in ids}},
    }
    music = timeline.tracks.music[0]
    times = [round(0.01 * step, 2) for step in range(-10, int(music.duration_s * 100) + 50)]

    answer = probe(node_project, {"props": props, "volume_times_s": times})

    expected = [music.volume_at(time_s) for time_s in times]
    assert answer["volumes"] == pytest.approx(expected, abs=1e-9)
    assert min(expected) == 0.25 and max(expected) == 1.0
    assert any(0.25 < volume < 1.0 for volume in expected), "no ramp was sampled"


def test_the_ken_burns_rectangle_follows_the_documented_formula(
    all_props: dict[tuple[str, str], dict[str, Any]], node_project: tuple[Path, str]
) -> None:
    props = all_props[("images", "fixed")]
    timeline = load_timeline(json.dumps(props["timeline"]).encode())
    width, height, fps = timeline.width, timeline.height, timeline.fps
    cases: list[dict[str, Any]] = [
        {"clip": index, "frame": frame, "image": image}
        for index in range(4)  # push-in, pan-right, push-out, pan-left
        for frame in (0, 37, 149)
        for image in ({"width": 854, "height": 480}, {"width": 640, "height": 640})
    ]

    answer = probe(node_project, {"props": props, "rects": cases})

    for case, rect in zip(cases, answer["rects"], strict=True):
        clip = timeline.tracks.visual[case["clip"]]
        assert clip.type == "image"
        p = case["frame"] / fps / clip.duration_s
        start, end = clip.ken_burns.start, clip.ken_burns.end
        s = start.scale + (end.scale - start.scale) * p
        ox = start.offset_x + (end.offset_x - start.offset_x) * p
        oy = start.offset_y + (end.offset_y - start.offset_y) * p
        w, h = case["image"]["width"], case["image"]["height"]
        c = max(width / w, height / h)
        expected = {
            "left": width / 2 - w * c * s / 2 + ox * width,
            "top": height / 2 - h * c * s / 2 + oy * height,
            "width": w * c * s,
            "height": h * c * s,
        }
        assert rect == pytest.approx(expected, abs=1e-9), case
