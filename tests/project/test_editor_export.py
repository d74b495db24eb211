"""`moviebuild export`: each format read back through OpenTimelineIO's own readers has the
timeline's clips, in order, on the same frames; media paths resolve from the file; a bundle holds
everything it names."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from moviebuild.errors import ConfigError, StoreError
from moviebuild.project.editor_export import export_edit
from moviebuild.project.movie import Movie
from moviebuild.timeline import ImageClip, Timeline, load_timeline
from moviebuild.timeline.editorial import butt_joined
from tests.conftest import MovieFactory, run_build


@pytest.fixture
def built(movie_folder: MovieFactory) -> Path:
    """Two 10-second segments, two images each, narration, music and captions (fake media)."""
    folder = movie_folder(duration=20, images_per_segment=2, size="480p")
    assert run_build(folder).complete
    return folder


def timeline_of(folder: Path) -> Timeline:
    return load_timeline((folder / "out" / "timeline.json").read_bytes())


def expected(timeline: Timeline) -> dict[str, list[tuple[str, int, int]]]:
    """(media path under out/, first frame, frames) of the clips of each kind of track."""
    fps = timeline.fps
    assets = {
        "SegmentAudio": "segment-{:02d}/narration.mp3", "MusicTrack": "music.mp3",
    }

    def path(asset: str, clip: Any) -> str:
        if isinstance(clip, ImageClip):
            image = asset.rsplit("[", 1)[1].rstrip("]")
            return f"segment-{clip.segment:02d}/image-{image}.png"
        name = asset.split("[")[0]
        return assets[name].format(getattr(clip, "segment", 0))

    def spans(clips: Any) -> list[tuple[str, int, int]]:
        return [
            (path(clip.asset, clip), round(clip.start_s * fps),
             max(1, round(clip.duration_s * fps)))
            for clip in clips
        ]

    return {
        "pictures": spans(timeline.tracks.visual),
        "narration": spans(timeline.tracks.narration),
        # Repeats of a short music track crossfade in the movie; on one track they butt-join.
        "music": spans(butt_joined(timeline.tracks.music)),
    }


def clips_of(track: Any) -> list[tuple[str, int, int]]:
    return [
        (
            item.media_reference.target_url,
            item.range_in_parent().start_time.to_frames(),
            item.range_in_parent().duration.to_frames(),
        )
        for item in track if isinstance(item, otio.schema.Clip)
    ]


def test_otio_reads_back_with_every_clip_on_its_frames_and_paths_that_resolve(
    built: Path,
) -> None:
    report = export_edit(Movie.open(built), "otio")
    assert report.path == built / "out" / "movie.otio"
    # The fake music lasts 10 s: the 20 s movie plays it three times (crossfading 2.5 s).
    assert report.clips == {"Pictures": 4, "Narration": 2, "Music": 3}
    timeline = timeline_of(built)
    edit = otio.adapters.read_from_file(str(report.path))
    pictures, narration, music = edit.tracks
    want = expected(timeline)
    assert clips_of(pictures) == want["pictures"]
    assert clips_of(narration) == want["narration"]
    assert clips_of(music) == want["music"]
    total = max(1, round(timeline.duration_s * timeline.fps))
    assert {track.duration().to_frames() for track in edit.tracks} == {total}
    for track in edit.tracks:
        for item in track:
            if isinstance(item, otio.schema.Clip):
                assert (report.path.parent / item.media_reference.target_url).is_file()
    captions = [marker.name for marker in edit.tracks.markers]
    assert len(captions) == len(timeline.tracks.captions) > 0
    assert (built / "out" / "movie.srt").read_text().startswith("1\n00:00:00,000 --> ")


def test_fcpxml_reads_back_through_the_adapter_with_ken_burns_keyframes(built: Path) -> None:
    report = export_edit(Movie.open(built), "fcpxml")
    timeline = timeline_of(built)
    want = expected(timeline)
    edit = otio.adapters.read_from_file(str(report.path), adapter_name="fcpx_xml")
    lanes = {track.name: track for track in edit.tracks}
    # The adapter reads the spine as lane 0 and the connected audio as lanes -1 and -2.
    assert clips_of(lanes["0"]) == want["pictures"]
    assert clips_of(lanes["-1"]) == want["narration"]
    assert clips_of(lanes["-2"]) == want["music"]
    markers = sum(len(item.markers) for item in lanes["0"])
    assert markers == len(timeline.tracks.captions)

    root = ElementTree.parse(report.path).getroot()
    assert root.find("resources/format").attrib["width"] == str(timeline.width)
    first = timeline.tracks.visual[0]
    assert isinstance(first, ImageClip)
    clip = root.find(f".//spine/clip[@name='{first.asset} (segment 1)']")
    assert clip is not None
    assert clip.find("adjust-conform").attrib == {"type": "fill"}
    scales = [key.attrib["value"] for key in clip.findall(
        "adjust-transform/param[@name='scale']/keyframeAnimation/keyframe")]
    start, end = first.ken_burns.start.scale, first.ken_burns.end.scale
    assert scales == [f"{start:.6f} {start:.6f}", f"{end:.6f} {end:.6f}"]
    assert root.find(".//clip[@name='Music']/adjust-volume") is not None


def test_edl_reads_back_as_the_picture_track_and_one_edl_per_audio_track(built: Path) -> None:
    report = export_edit(Movie.open(built), "edl")
    timeline = timeline_of(built)
    want = expected(timeline)
    assert [path.name for path in report.files] == [
        "movie.edl", "movie-narration.edl", "movie-music.edl", "movie.srt",
    ]

    def read(name: str) -> Any:
        return otio.adapters.read_from_file(
            str(report.path.parent / name), adapter_name="cmx_3600", rate=timeline.fps
        ).tracks[0]

    assert clips_of(read("movie.edl")) == want["pictures"]
    assert clips_of(read("movie-narration.edl")) == want["narration"]
    assert clips_of(read("movie-music.edl")) == want["music"]
    text = report.path.read_text()
    assert "S01I1" in text and "S02I2" in text  # one reel per file


def test_a_bundle_holds_the_file_and_every_medium_it_names(built: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "for-the-editor"
    report = export_edit(Movie.open(built), "otio", bundle=bundle)
    assert report.path == bundle / "movie.otio"
    assert {path.relative_to(bundle).as_posix() for path in report.media} == {
        "music.mp3", "segment-01/narration.mp3", "segment-02/narration.mp3",
        "segment-01/image-1.png", "segment-01/image-2.png",
        "segment-02/image-1.png", "segment-02/image-2.png",
    }
    edit = otio.adapters.read_from_file(str(report.path))
    for track in edit.tracks:
        for item in track:
            if isinstance(item, otio.schema.Clip):
                url = item.media_reference.target_url
                assert not Path(url).is_absolute()
                assert (bundle / url).read_bytes() == (built / "out" / url).read_bytes()


def test_a_file_elsewhere_refers_to_out_by_a_relative_path(built: Path, tmp_path: Path) -> None:
    target = tmp_path / "edits" / "cut.otio"
    report = export_edit(Movie.open(built), "otio", out_path=target)
    assert report.path == target
    edit = otio.adapters.read_from_file(str(target))
    url = edit.tracks[0][0].media_reference.target_url
    assert url.startswith("../movie/out/")
    assert (target.parent / url).is_file()


def test_an_unknown_format_and_an_unbuilt_movie_are_refused(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(duration=20)
    with pytest.raises(ConfigError, match="unknown export format 'aaf'"):
        export_edit(Movie.open(folder), "aaf")
    with pytest.raises(StoreError, match="has not been built yet"):
        export_edit(Movie.open(folder), "otio")
