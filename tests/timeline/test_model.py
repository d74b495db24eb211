"""The timeline format: schema, canonical bytes, versioning and invariants."""

from __future__ import annotations

import importlib
import json

import pytest
from pydantic import ValidationError

import moviebuild.timeline as timeline_package
from moviebuild.errors import StoreFormatError
from moviebuild.timeline import (
    TIMELINE_FORMAT_VERSION,
    AssetMap,
    AudioClip,
    Caption,
    Framing,
    Gap,
    GapReason,
    ImageClip,
    KenBurns,
    KenBurnsPreset,
    MusicClip,
    SegmentSpan,
    Timeline,
    Tracks,
    VideoClip,
    VolumePoint,
    dump_asset_map,
    dump_timeline,
    load_asset_map,
    load_timeline,
    timeline_json_schema,
)


def make_timeline(second_start_s: float = 4.0) -> Timeline:
    push = KenBurns(
        preset=KenBurnsPreset.PUSH_IN, start=Framing(scale=1.0), end=Framing(scale=1.15)
    )
    return Timeline(
        title="The Civil War",
        fps=30,
        width=1280,
        height=720,
        duration_s=second_start_s + 4.0,
        segments=(
            SegmentSpan(index=1, start_s=0.0, duration_s=second_start_s),
            SegmentSpan(index=2, start_s=second_start_s, duration_s=4.0),
        ),
        tracks=Tracks(
            visual=(
                ImageClip(
                    asset="SegmentImage[1][1]",
                    segment=1,
                    start_s=0.0,
                    duration_s=second_start_s,
                    ken_burns=push,
                ),
                VideoClip(
                    asset="SegmentVideo[2]",
                    segment=2,
                    start_s=second_start_s,
                    duration_s=4.0,
                    playback_rate=1.25,
                ),
            ),
            narration=(AudioClip(asset="SegmentAudio[1]", segment=1, start_s=0.0, duration_s=3.2),),
            music=(
                MusicClip(
                    asset="MusicTrack",
                    start_s=0.0,
                    duration_s=second_start_s + 4.0,
                    envelope=(
                        VolumePoint(time_s=0.0, volume=0.25),
                        VolumePoint(time_s=3.2, volume=0.25),
                        VolumePoint(time_s=3.5, volume=1.0),
                    ),
                ),
            ),
            captions=(Caption(text="It began.", segment=1, start_s=0.0, end_s=3.2),),
        ),
        gaps=(
            Gap(
                segment=2,
                start_s=second_start_s,
                end_s=second_start_s + 4.0,
                missing=("SegmentAudio[2]",),
                reason=GapReason.NARRATION_MISSING,
            ),
        ),
    )


def test_schema_describes_every_track_and_the_version() -> None:
    schema = timeline_json_schema()

    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["properties"]["format_version"]["const"] == TIMELINE_FORMAT_VERSION
    assert schema["additionalProperties"] is False
    track_names = set(schema["$defs"]["Tracks"]["properties"])
    assert track_names == {"visual", "narration", "music", "captions"}
    assert {"ImageClip", "VideoClip", "KenBurns", "MusicClip", "Gap"} <= set(schema["$defs"])
    json.dumps(schema)


def test_a_timeline_round_trips_through_its_bytes() -> None:
    timeline = make_timeline()

    data = dump_timeline(timeline)

    assert load_timeline(data) == timeline
    assert dump_timeline(load_timeline(data)) == data


def test_equal_timelines_dump_to_identical_bytes_however_times_were_computed() -> None:
    computed = make_timeline(second_start_s=0.1 + 0.2 + 3.7)
    literal = make_timeline(second_start_s=4.0)

    assert dump_timeline(computed) == dump_timeline(literal)


def test_dump_is_sorted_json_with_microsecond_floats() -> None:
    data = dump_timeline(make_timeline(second_start_s=1 / 3))
    document = json.loads(data)

    assert list(document) == sorted(document)
    assert document["segments"][1]["start_s"] == 0.333333
    assert data.endswith(b"\n")


def test_loading_another_format_version_says_which_versions() -> None:
    document = json.loads(dump_timeline(make_timeline()))
    document["format_version"] = 2

    with pytest.raises(StoreFormatError, match=r"format_version 2.*reads version 1"):
        load_timeline(json.dumps(document).encode())


def test_loading_an_invalid_timeline_names_the_field() -> None:
    document = json.loads(dump_timeline(make_timeline()))
    document["tracks"]["narration"][0]["duration_s"] = -1

    with pytest.raises(StoreFormatError, match=r"tracks\.narration\.0\.duration_s"):
        load_timeline(json.dumps(document).encode())


def test_loading_bytes_that_are_not_json_is_a_format_error() -> None:
    with pytest.raises(StoreFormatError, match="not JSON"):
        load_timeline(b"\x00 nope")


def test_framing_refuses_offsets_that_would_uncover_the_frame() -> None:
    Framing(scale=1.2, offset_x=0.1, offset_y=-0.1)
    with pytest.raises(ValidationError, match="covers the frame"):
        Framing(scale=1.2, offset_x=0.11)
    with pytest.raises(ValidationError):
        Framing(scale=0.9)


def test_segments_must_tile_the_movie() -> None:
    good = make_timeline()
    broken = good.model_dump()
    broken["segments"][1]["start_s"] = 4.5

    with pytest.raises(ValidationError, match="segment 2"):
        Timeline.model_validate(broken)


def test_visual_clips_must_lie_inside_their_segment() -> None:
    broken = make_timeline().model_dump()
    broken["tracks"]["visual"][0]["duration_s"] = 5.0

    with pytest.raises(ValidationError, match="outside segment 1"):
        Timeline.model_validate(broken)


def test_models_are_frozen_and_refuse_unknown_fields() -> None:
    timeline = make_timeline()
    with pytest.raises(ValidationError):
        timeline.title = "changed"
    document = timeline.model_dump()
    document["colour"] = "red"
    with pytest.raises(ValidationError):
        Timeline.model_validate(document)


def test_volume_is_linear_between_points_and_held_outside_them() -> None:
    music = make_timeline().tracks.music[0]

    assert music.volume_at(0.0) == 0.25
    assert music.volume_at(3.35) == pytest.approx(0.625)
    assert music.volume_at(7.0) == 1.0


def test_asset_map_round_trips_and_checks_ids() -> None:
    asset_map = AssetMap(assets={"SegmentImage[3][2]": "segment-03/image-2.png"})

    assert load_asset_map(dump_asset_map(asset_map)) == asset_map
    with pytest.raises(ValidationError):
        AssetMap(assets={"not an id": "x.png"})


def test_all_lists_exactly_the_public_names() -> None:
    # The package loads each name from its module on first use.
    where = timeline_package._WHERE
    assert sorted(timeline_package.__all__) == sorted(where)
    for name, module in where.items():
        defined = importlib.import_module(f"moviebuild.timeline.{module}")
        assert getattr(timeline_package, name) is getattr(defined, name)
    with pytest.raises(AttributeError):
        _ = timeline_package.no_such_name
