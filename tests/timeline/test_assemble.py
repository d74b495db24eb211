"""Assembly strategies: segment lengths, clip placement, presets, ducking, captions and gaps."""

from __future__ import annotations

import pytest

from moviebuild.config.enums import AssemblyStrategy
from moviebuild.errors import InternalError
from moviebuild.timeline import (
    DUCKED_VOLUME,
    MUSIC_VOLUME,
    AssemblyMaterial,
    AssetRef,
    ExpectedAssets,
    GapReason,
    ImageClip,
    KenBurnsPreset,
    SegmentMaterial,
    Timeline,
    VideoClip,
    VisualKind,
    assemble_timeline,
    duck_envelope,
    dump_timeline,
    timeline_notices,
)

FIXED = AssemblyStrategy.FIXED
FIT = AssemblyStrategy.FIT_NARRATION
SPEED = AssemblyStrategy.SPEED_ADJUST


def image_segment(
    index: int,
    narration_s: float | None,
    images: int = 3,
    failed_images: tuple[int, ...] = (),
    text: str | None = "One sentence here. And another one!",
) -> SegmentMaterial:
    expected = tuple(f"SegmentImage[{index}][{j}]" for j in range(1, images + 1))
    return SegmentMaterial(
        index=index,
        expected=ExpectedAssets(narration=f"SegmentAudio[{index}]", images=expected),
        narration_text=text,
        narration=None if narration_s is None else AssetRef(f"SegmentAudio[{index}]", narration_s),
        images=tuple(
            None if j in failed_images else asset for j, asset in enumerate(expected, start=1)
        ),
    )


def video_segment(index: int, narration_s: float | None, video_s: float | None) -> SegmentMaterial:
    return SegmentMaterial(
        index=index,
        expected=ExpectedAssets(narration=f"SegmentAudio[{index}]", video=f"SegmentVideo[{index}]"),
        visual_kind=VisualKind.VIDEO,
        narration_text="A moving picture.",
        narration=None if narration_s is None else AssetRef(f"SegmentAudio[{index}]", narration_s),
        video=None if video_s is None else AssetRef(f"SegmentVideo[{index}]", video_s),
    )


def movie(*segments: SegmentMaterial, music_s: float | None = 60.0) -> AssemblyMaterial:
    return AssemblyMaterial(
        title="The Civil War",
        fps=30,
        width=1280,
        height=720,
        segments=segments,
        music=None if music_s is None else AssetRef("MusicTrack", music_s),
        expected_music="MusicTrack",
    )


def spans(timeline: Timeline) -> list[tuple[float, float]]:
    return [(span.start_s, span.duration_s) for span in timeline.segments]


@pytest.mark.parametrize(
    ("strategy", "expected_spans", "expected_narration_s"),
    [
        (FIXED, [(0.0, 10.0), (10.0, 10.0), (20.0, 10.0)], [8.2, 10.0]),
        (FIT, [(0.0, 8.7), (8.7, 12.0), (20.7, 10.0)], [8.2, 11.5]),
        (SPEED, [(0.0, 8.7), (8.7, 12.0), (20.7, 10.0)], [8.2, 11.5]),
    ],
)
def test_each_strategy_sets_the_documented_segment_lengths(
    strategy: AssemblyStrategy,
    expected_spans: list[tuple[float, float]],
    expected_narration_s: list[float],
) -> None:
    timeline = assemble_timeline(
        movie(image_segment(1, 8.2), image_segment(2, 11.5), image_segment(3, None)), strategy
    )

    assert spans(timeline) == expected_spans
    assert timeline.duration_s == pytest.approx(sum(length for _, length in expected_spans))
    narration = timeline.tracks.narration
    assert [clip.start_s for clip in narration] == [start for start, _ in expected_spans[:2]]
    assert [clip.duration_s for clip in narration] == expected_narration_s


def test_fit_narration_never_makes_a_segment_shorter_than_the_minimum() -> None:
    timeline = assemble_timeline(movie(image_segment(1, 1.0)), FIT)

    assert spans(timeline) == [(0.0, 3.0)]


def test_images_share_their_segment_equally_in_whole_frames() -> None:
    timeline = assemble_timeline(movie(image_segment(1, 8.2), image_segment(2, 11.5)), FIT)

    first = [clip for clip in timeline.tracks.visual if clip.segment == 1]
    assert [(clip.start_s, clip.duration_s) for clip in first] == [
        (0.0, 2.9),
        (2.9, 2.9),
        (5.8, 2.9),
    ]
    for clip in timeline.tracks.visual:
        for time_s in (clip.start_s, clip.duration_s):
            assert time_s * 30 == pytest.approx(round(time_s * 30), abs=1e-3)


@pytest.mark.parametrize(
    ("strategy", "narration_s", "video_s", "expected_rate"),
    [
        (FIXED, 8.2, 5.0, 1.0),
        (FIT, 8.2, 5.0, 1.0),
        (SPEED, 8.5, 9.0, 1.0),
        (SPEED, 8.2, 9.0, 1.034483),
        (SPEED, 11.5, 6.0, 0.5),
        (SPEED, 11.5, 3.0, 0.5),
        (SPEED, 3.5, 20.0, 2.0),
        (SPEED, None, 5.0, 0.5),
    ],
)
def test_video_playback_rate_follows_the_strategy_within_bounds(
    strategy: AssemblyStrategy, narration_s: float | None, video_s: float, expected_rate: float
) -> None:
    timeline = assemble_timeline(movie(video_segment(1, narration_s, video_s)), strategy)

    (clip,) = timeline.tracks.visual
    assert isinstance(clip, VideoClip)
    assert clip.playback_rate == expected_rate
    assert (clip.start_s, clip.duration_s) == spans(timeline)[0]


def test_presets_alternate_push_and_pan_by_image_slot() -> None:
    timeline = assemble_timeline(
        movie(image_segment(1, 8.0, images=4), image_segment(2, 8.0, images=4)), FIXED
    )

    presets = [
        clip.ken_burns.preset for clip in timeline.tracks.visual if isinstance(clip, ImageClip)
    ]
    cycle = [
        KenBurnsPreset.PUSH_IN,
        KenBurnsPreset.PAN_RIGHT,
        KenBurnsPreset.PUSH_OUT,
        KenBurnsPreset.PAN_LEFT,
    ]
    assert presets == cycle + cycle


def test_a_missing_image_leaves_its_neighbours_the_time_and_their_presets() -> None:
    whole = assemble_timeline(movie(image_segment(1, 8.2)), FIT)
    partial = assemble_timeline(movie(image_segment(1, 8.2, failed_images=(2,))), FIT)

    clips = [clip for clip in partial.tracks.visual if isinstance(clip, ImageClip)]
    assert [clip.asset for clip in clips] == ["SegmentImage[1][1]", "SegmentImage[1][3]"]
    assert sum(clip.duration_s for clip in clips) == pytest.approx(8.7)
    by_asset = {
        clip.asset: clip.ken_burns for clip in whole.tracks.visual if isinstance(clip, ImageClip)
    }
    assert [clip.ken_burns for clip in clips] == [by_asset[clip.asset] for clip in clips]
    (gap,) = partial.gaps
    assert (gap.segment, gap.reason, gap.missing) == (
        1,
        GapReason.IMAGE_MISSING,
        ("SegmentImage[1][2]",),
    )


def test_a_segment_without_any_visual_is_a_gap_not_a_crash() -> None:
    timeline = assemble_timeline(
        movie(
            image_segment(1, 8.2, images=2, failed_images=(1, 2)),
            video_segment(2, 8.2, None),
            image_segment(3, 8.2),
        ),
        FIT,
    )

    assert {clip.segment for clip in timeline.tracks.visual} == {3}
    visual_gaps = [gap for gap in timeline.gaps if gap.reason is GapReason.VISUAL_MISSING]
    assert [(gap.segment, gap.start_s, gap.end_s, gap.missing) for gap in visual_gaps] == [
        (1, 0.0, 8.7, ("SegmentImage[1][1]", "SegmentImage[1][2]")),
        (2, 8.7, 17.4, ("SegmentVideo[2]",)),
    ]


def test_missing_narration_is_a_silent_gap_with_captions_over_the_segment() -> None:
    timeline = assemble_timeline(movie(image_segment(1, None, text="Still shown.")), FIT)

    assert timeline.tracks.narration == ()
    (gap,) = timeline.gaps
    assert (gap.reason, gap.missing) == (GapReason.NARRATION_MISSING, ("SegmentAudio[1]",))
    (caption,) = timeline.tracks.captions
    assert (caption.start_s, caption.end_s) == (0.0, 10.0)


def test_missing_music_is_a_movie_wide_gap() -> None:
    timeline = assemble_timeline(movie(image_segment(1, 8.2), music_s=None), FIT)

    assert timeline.tracks.music == ()
    (gap,) = timeline.gaps
    assert (gap.segment, gap.reason, gap.end_s) == (None, GapReason.MUSIC_MISSING, 8.7)


def test_music_ducks_under_each_narration_with_short_ramps() -> None:
    timeline = assemble_timeline(
        movie(image_segment(1, 8.2), image_segment(2, 5.0), image_segment(3, None)), FIXED
    )

    (music,) = timeline.tracks.music
    assert music.duration_s == 30.0
    assert music.volume_at(0.0) == DUCKED_VOLUME
    assert music.volume_at(4.0) == DUCKED_VOLUME
    assert music.volume_at(8.2 + 0.15) == pytest.approx((DUCKED_VOLUME + MUSIC_VOLUME) / 2)
    assert music.volume_at(9.0) == MUSIC_VOLUME
    assert music.volume_at(9.85) == pytest.approx((DUCKED_VOLUME + MUSIC_VOLUME) / 2)
    assert music.volume_at(12.0) == DUCKED_VOLUME
    assert music.volume_at(25.0) == MUSIC_VOLUME


def test_music_shorter_than_the_movie_repeats_with_crossfades_to_its_end() -> None:
    # The demo's case: fit-narration makes the movie longer than the 30 s the music was asked for.
    segments = [image_segment(i, 10.8) for i in (1, 2, 3)]
    timeline = assemble_timeline(movie(*segments, music_s=30.0), FIT)
    assert timeline.duration_s == pytest.approx(33.9, abs=0.05)

    first, second = timeline.tracks.music
    assert (first.start_s, first.duration_s) == (0.0, 30.0)
    assert second.start_s == 27.0 and second.start_s + second.duration_s == timeline.duration_s
    # Over the crossfade the two gains pass through half power each; outside it, one plays.
    for at in (27.0, 28.5, 30.0):
        gains = first.volume_at(at), second.volume_at(at - 27.0)
        assert gains[0] ** 2 + gains[1] ** 2 == pytest.approx(DUCKED_VOLUME**2, rel=0.02), at
    assert first.volume_at(30.0) == 0.0 and second.volume_at(0.0) == 0.0
    # The last repeat fades out with the movie instead of stopping mid-bar.
    assert second.volume_at(second.duration_s) == 0.0
    assert second.volume_at(second.duration_s - 2.0) > 0


def test_music_repeats_as_often_as_the_movie_needs() -> None:
    timeline = assemble_timeline(movie(image_segment(1, 8.2), music_s=4.0), FIXED)

    clips = timeline.tracks.music
    assert [clip.start_s for clip in clips] == [0.0, 3.0, 6.0]
    assert clips[-1].start_s + clips[-1].duration_s == timeline.duration_s == 10.0
    assert all(clip.duration_s == 4.0 for clip in clips)


def test_music_longer_than_the_movie_is_one_clip_cut_at_its_end() -> None:
    timeline = assemble_timeline(movie(image_segment(1, 8.2), music_s=45.0), FIXED)

    (music,) = timeline.tracks.music
    assert music.duration_s == 10.0 and music.volume_at(10.0) > 0


def test_narrations_closer_than_two_ramps_stay_ducked_between() -> None:
    envelope = duck_envelope([(1.0, 3.0), (3.4, 5.0)], 10.0)

    times = [point.time_s for point in envelope]
    assert 3.0 not in times and 3.4 not in times
    assert [(p.time_s, p.volume) for p in envelope] == [
        (0.0, MUSIC_VOLUME),
        (0.7, MUSIC_VOLUME),
        (1.0, DUCKED_VOLUME),
        (5.0, DUCKED_VOLUME),
        (5.3, MUSIC_VOLUME),
        (10.0, MUSIC_VOLUME),
    ]


def test_no_narration_means_music_at_full_volume() -> None:
    assert [(p.time_s, p.volume) for p in duck_envelope([], 10.0)] == [(0.0, MUSIC_VOLUME)]


def test_captions_split_sentences_over_the_narration_time() -> None:
    timeline = assemble_timeline(
        movie(image_segment(1, 6.0, text="Short one. This sentence is longer!")), FIXED
    )

    first, second = timeline.tracks.captions
    assert (first.text, second.text) == ("Short one.", "This sentence is longer!")
    assert first.start_s == 0.0 and second.end_s == 6.0
    # Syllables 1 + 2, a sentence pause of 2.5, then 1 + 3 + 1 + 2: the second sentence starts
    # after 5.5 of 12.5 units of the 6 s.
    assert first.end_s == second.start_s == pytest.approx(6.0 * 5.5 / 12.5, abs=1e-6)
    assert [word.text for word in second.words] == ["This", "sentence", "is", "longer!"]


def test_the_timeline_depends_only_on_its_material() -> None:
    def build() -> bytes:
        material = movie(image_segment(1, 8.2), video_segment(2, 7.0, 4.0), image_segment(3, None))
        return dump_timeline(assemble_timeline(material, SPEED))

    assert build() == build()


def test_inconsistent_material_is_an_internal_error() -> None:
    with pytest.raises(InternalError, match=r"numbered 1\.\.n"):
        movie(image_segment(2, 8.0))
    with pytest.raises(InternalError, match="image entries"):
        SegmentMaterial(
            index=1, expected=ExpectedAssets(narration="SegmentAudio[1]"), images=("a",)
        )


def test_fixed_records_each_cut_narration_and_reports_the_seconds_lost() -> None:
    timeline = assemble_timeline(movie(image_segment(1, 8.2), image_segment(2, 10.31)), FIXED)
    assert [clip.cut_s for clip in timeline.tracks.narration] == [0.0, 0.31]
    assert timeline_notices(timeline) == [
        "segment 2: its narration runs 10.31 s but the segment is 10.00 s, so the last 0.31 s "
        "are cut (assembly: fixed); set `assembly: fit-narration` to keep every word"
    ]


@pytest.mark.parametrize("strategy", [FIT, SPEED])
def test_fitting_strategies_never_cut_a_narration(strategy: AssemblyStrategy) -> None:
    timeline = assemble_timeline(movie(image_segment(1, 8.2), image_segment(2, 10.31)), strategy)
    assert [clip.duration_s for clip in timeline.tracks.narration] == [8.2, 10.31]
    assert all(clip.cut_s == 0 for clip in timeline.tracks.narration)
    assert timeline_notices(timeline) == []


def test_fit_narration_is_the_moviefile_default() -> None:
    from moviebuild.config.moviefile import Moviefile

    assert Moviefile.model_validate({"inquiry": "Lighthouses", "duration": 30}).assembly is FIT
