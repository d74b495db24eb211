"""The timeline as an OTIO timeline: tracks, clips on whole frames, gaps, Ken Burns, speed, held
frames, captions and reel names; and the captions as SubRip."""

from __future__ import annotations

from typing import Any

import opentimelineio as otio
import pytest

from moviebuild.errors import StoreError
from moviebuild.timeline import (
    AudioClip,
    Caption,
    CaptionStyle,
    CaptionWord,
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
)
from moviebuild.timeline.editorial import (
    KEN_BURNS_EFFECT,
    build_edit,
    reel_name,
    srt_text,
)

MEDIA = {
    "SegmentImage[1][1]": "segment-01/image-1.png",
    "SegmentImage[1][2]": "segment-01/image-2.png",
    "SegmentVideo[2]": "segment-02/video.mp4",
    "SegmentAudio[1]": "segment-01/narration.mp3",
    "SegmentAudio[2]": "segment-02/narration.mp3",
    "MusicTrack": "music.mp3",
}


def make_timeline(*, captions_on: bool = True) -> Timeline:
    """Three segments at 30 fps: two images (the second panning), a half-speed video, and a
    segment whose picture is missing."""
    pan = KenBurns(
        preset=KenBurnsPreset.PAN_RIGHT,
        start=Framing(scale=1.2, offset_x=-0.1, offset_y=0.05),
        end=Framing(scale=1.2, offset_x=0.1),
    )
    push = KenBurns(
        preset=KenBurnsPreset.PUSH_IN, start=Framing(scale=1.0), end=Framing(scale=1.15)
    )
    words = (
        CaptionWord(text="Hello", line=0, start_s=0.5, end_s=1.0),
        CaptionWord(text="there", line=1, start_s=1.0, end_s=1.5),
    )
    return Timeline(
        title="Tides",
        fps=30,
        width=854,
        height=480,
        duration_s=9.0,
        segments=(
            SegmentSpan(index=1, start_s=0.0, duration_s=4.0),
            SegmentSpan(index=2, start_s=4.0, duration_s=3.0),
            SegmentSpan(index=3, start_s=7.0, duration_s=2.0),
        ),
        tracks=Tracks(
            visual=(
                ImageClip(asset="SegmentImage[1][1]", segment=1, start_s=0.0, duration_s=1.9,
                          ken_burns=push),
                ImageClip(asset="SegmentImage[1][2]", segment=1, start_s=1.9, duration_s=2.1,
                          ken_burns=pan),
                VideoClip(asset="SegmentVideo[2]", segment=2, start_s=4.0, duration_s=3.0,
                          playback_rate=0.5),
            ),
            narration=(
                AudioClip(asset="SegmentAudio[1]", segment=1, start_s=0.5, duration_s=3.2),
                AudioClip(asset="SegmentAudio[2]", segment=2, start_s=4.0, duration_s=2.5),
            ),
            music=(
                MusicClip(asset="MusicTrack", start_s=0.0, duration_s=9.0, envelope=(
                    VolumePoint(time_s=0.0, volume=1.0), VolumePoint(time_s=0.5, volume=0.25),
                )),
            ),
            captions=(
                Caption(text="Hello there", segment=1, start_s=0.5, end_s=2.5, words=words),
                Caption(text="Then the tide", segment=2, start_s=4.2, end_s=6.0),
            ),
        ),
        gaps=(Gap(segment=3, start_s=7.0, end_s=9.0, missing=("SegmentImage[3][1]",),
                  reason=GapReason.VISUAL_MISSING),),
        caption_style=CaptionStyle(enabled=captions_on),
    )


def layout(track: Any) -> list[tuple[str, str, int, int, int]]:
    """(kind, name, first frame in the movie, frames, first source frame) of every item."""
    return [
        (
            type(item).__name__,
            item.name,
            item.range_in_parent().start_time.to_frames(),
            item.range_in_parent().duration.to_frames(),
            item.source_range.start_time.to_frames(),
        )
        for item in track
    ]


def test_three_tracks_on_whole_frames_with_gaps_as_long_as_the_movie() -> None:
    edit = build_edit(make_timeline(), MEDIA)
    pictures, narration, music = edit.tracks
    assert [(t.name, t.kind) for t in edit.tracks] == [
        ("Pictures", "Video"), ("Narration", "Audio"), ("Music", "Audio"),
    ]
    assert layout(pictures) == [
        ("Clip", "SegmentImage[1][1] (segment 1)", 0, 57, 0),
        ("Clip", "SegmentImage[1][2] (segment 1)", 57, 63, 0),
        ("Clip", "SegmentVideo[2] (segment 2)", 120, 90, 0),
        ("Gap", "Segment 3 (missing)", 210, 60, 0),
    ]
    assert layout(narration) == [
        ("Gap", "", 0, 15, 0),
        ("Clip", "Narration 1", 15, 96, 0),
        ("Gap", "", 111, 9, 0),
        ("Clip", "Narration 2", 120, 75, 0),
        ("Gap", "", 195, 75, 0),
    ]
    assert layout(music) == [("Clip", "Music", 0, 270, 0)]
    assert {track.duration().to_frames() for track in edit.tracks} == {270}
    assert pictures[0].media_reference.target_url == "segment-01/image-1.png"
    assert dict(music[0].metadata["moviebuild"]["envelope"][1]) == {"time_s": 0.5, "volume": 0.25}


def test_ken_burns_travels_as_an_effect_with_keyframes_at_both_ends() -> None:
    pictures = build_edit(make_timeline(), MEDIA).tracks[0]
    [effect] = pictures[1].effects
    assert effect.effect_name == KEN_BURNS_EFFECT
    assert [dict(key) for key in effect.metadata["moviebuild"]["keyframes"]] == [
        {"frame": 0, "scale": 1.2, "offset_x": -0.1, "offset_y": 0.05},
        {"frame": 63, "scale": 1.2, "offset_x": 0.1, "offset_y": 0.0},
    ]


def test_a_video_at_half_speed_is_a_time_warp_and_a_short_source_holds_its_last_frame() -> None:
    # Without its length the video plays for the whole clip, at half speed.
    video = build_edit(make_timeline(), MEDIA).tracks[0][2]
    [warp] = video.effects
    assert isinstance(warp, otio.schema.LinearTimeWarp) and warp.time_scalar == 0.5
    # A 1 s source at half speed plays 60 frames, then its last frame holds for 30.
    pictures = build_edit(make_timeline(), MEDIA, source_durations_s={"SegmentVideo[2]": 1.0})
    playing, held = pictures.tracks[0][2], pictures.tracks[0][3]
    assert layout(pictures.tracks[0])[2:4] == [
        ("Clip", "SegmentVideo[2] (segment 2)", 120, 60, 0),
        ("Clip", "SegmentVideo[2] (held)", 180, 30, 29),
    ]
    assert isinstance(held.effects[0], otio.schema.FreezeFrame)
    assert playing.media_reference.available_range.duration.to_frames() == 30


def test_captions_are_timeline_markers_or_markers_on_the_clip_they_start_in() -> None:
    edit = build_edit(make_timeline(), MEDIA)
    markers = [
        (m.name, m.marked_range.start_time.to_frames(), m.marked_range.duration.to_frames())
        for m in edit.tracks.markers
    ]
    assert markers == [("Hello / there", 15, 60), ("Then the tide", 126, 54)]
    assert edit.tracks.markers[0].metadata["moviebuild"]["words"][1]["text"] == "there"
    on_clips = build_edit(make_timeline(), MEDIA, captions="clips")
    assert list(on_clips.tracks.markers) == []
    first, _, video, _ = on_clips.tracks[0]
    # The first caption starts in the first image and is cut at its end (frame 57).
    assert [(m.marked_range.start_time.to_frames(), m.marked_range.duration.to_frames())
            for m in first.markers] == [(15, 42)]
    assert [m.marked_range.start_time.to_frames() for m in video.markers] == [6]
    assert list(build_edit(make_timeline(captions_on=False), MEDIA).tracks.markers) == []


def test_a_clip_without_a_media_file_is_refused_with_its_id() -> None:
    media = {k: v for k, v in MEDIA.items() if k != "SegmentAudio[2]"}
    with pytest.raises(StoreError, match=r"SegmentAudio\[2\]"):
        build_edit(make_timeline(), media)


def test_reel_names_are_short_and_one_per_file() -> None:
    assert reel_name("SegmentImage[3][2]") == "S03I2"
    assert reel_name("SegmentVideo[12]") == "S12V"
    assert reel_name("SegmentAudio[1]") == "S01N"
    assert reel_name("MusicTrack") == "MUSIC"
    assert reel_name("StartingImage[2]") == "STARTING"


def test_captions_as_subrip_on_whole_frames() -> None:
    assert srt_text(make_timeline()) == (
        "1\n00:00:00,500 --> 00:00:02,500\nHello\nthere\n\n"
        "2\n00:00:04,200 --> 00:00:06,000\nThen the tide\n"
    )


def test_speed_and_a_held_frame_survive_the_edl_and_fcpxml_writers() -> None:
    import xml.etree.ElementTree as ElementTree

    from moviebuild.timeline.fcpxml_motion import add_motion

    timeline = make_timeline()
    edit = build_edit(
        timeline, MEDIA, source_durations_s={"SegmentVideo[2]": 1.0}, captions="clips"
    )
    edl = otio.adapters.write_to_string(edit, adapter_name="cmx_3600")
    back = otio.adapters.read_from_string(edl, adapter_name="cmx_3600", rate=30).tracks[0]
    assert [
        (item.range_in_parent().start_time.to_frames(), item.range_in_parent().duration.to_frames(),
         [type(effect).__name__ for effect in item.effects])
        for item in back
    ][2:] == [(120, 60, ["LinearTimeWarp"]), (180, 30, ["FreezeFrame"])]

    text = add_motion(
        otio.adapters.write_to_string(edit, adapter_name="fcpx_xml"), timeline,
        images={}, speeds={"SegmentVideo[2] (segment 2)": 0.5},
        holds={"SegmentVideo[2] (held)": 29}, music={},
    )
    root = ElementTree.fromstring(text)
    played = root.find(".//spine/clip[@name='SegmentVideo[2] (segment 2)']/timeMap")
    held = root.find(".//spine/clip[@name='SegmentVideo[2] (held)']/timeMap")
    assert played is not None and held is not None
    assert [p.attrib["value"] for p in played] == ["0s", "1s"]  # 2 s of clip, 1 s of source
    assert [p.attrib["value"] for p in held] == ["29/30s", "29/30s"]
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n')
    otio.adapters.read_from_string(text, adapter_name="fcpx_xml")  # the adapter still reads it
