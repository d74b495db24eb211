"""The ffmpeg preview: duration and size, caching of parts, mix and output, Ken Burns geometry,
ducking."""

from __future__ import annotations

import array
import math
import wave
from collections.abc import Mapping
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from moviebuild.config.enums import AssemblyStrategy
from moviebuild.errors import MediaError
from moviebuild.media.ffmpeg import media_duration_s, run_ffmpeg
from moviebuild.timeline import (
    AssemblyMaterial,
    AssetRef,
    DirectoryClipCache,
    ExpectedAssets,
    Framing,
    ImageClip,
    KenBurns,
    KenBurnsPreset,
    RenderReport,
    SegmentMaterial,
    SegmentSpan,
    Timeline,
    Tracks,
    VisualKind,
    assemble_timeline,
    preview_size,
    render_preview,
    segment_clip_key,
)
from moviebuild.timeline.filters import envelope_expression
from moviebuild.timeline.parts import segment_parts

WIDTH, HEIGHT, FPS = 320, 180, 30
FIXED = AssemblyStrategy.FIXED


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small media by name, made with Pillow and ffmpeg's lavfi sources."""
    folder = tmp_path_factory.mktemp("media")
    made: dict[str, Path] = {}
    for name, colour in [("red", (200, 40, 40)), ("blue", (40, 40, 200)), ("green", (40, 160, 40))]:
        made[name] = folder / f"{name}.png"
        Image.new("RGB", (WIDTH, HEIGHT), colour).save(made[name])
    marker = Image.new("RGB", (300, 300), (0, 0, 0))
    marker.paste((255, 255, 255), (165, 120, 195, 150))
    made["marker"] = folder / "marker.png"
    marker.save(made["marker"])
    made["broken"] = folder / "broken.png"
    made["broken"].write_bytes(b"not a picture")
    sources = {
        "voice": "sine=frequency=440:sample_rate=48000:duration=1.5",
        "silence": "anullsrc=r=48000:cl=mono:d=1.5",
        "music": "sine=frequency=220:sample_rate=48000:duration=8",
    }
    for name, source in sources.items():
        made[name] = folder / f"{name}.wav"
        run_ffmpeg(["-f", "lavfi", "-i", source, "-y", str(made[name])], what=name)
    made["video"] = folder / "video.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1", "-pix_fmt", "yuv420p",
         "-y", str(made["video"])],
        what="video",
    )  # fmt: skip
    return made


class Preview:
    """Renders timelines into one folder with one clip cache, like repeated `moviebuild render`."""

    def __init__(self, folder: Path, media: Mapping[str, Path]) -> None:
        self.folder = folder
        self.media = media
        self.cache = DirectoryClipCache(folder / "clips")
        self.out_path = folder / "out" / "preview.mp4"
        self.progress: list[tuple[str, int, int]] = []

    def render(
        self, timeline: Timeline, choice: Mapping[str, str], size: tuple[int, int] = (WIDTH, HEIGHT)
    ) -> RenderReport:
        """``choice`` maps each asset id to a media name; its digest stands for the content."""
        return render_preview(
            timeline,
            {asset: self.media[name] for asset, name in choice.items()},
            out_path=self.out_path,
            width=size[0],
            height=size[1],
            cache=self.cache,
            asset_digests={asset: f"digest:{name}" for asset, name in choice.items()},
            on_progress=lambda what, done, total: self.progress.append((what, done, total)),
        )

    def frame(self, index: int) -> Image.Image:
        still = self.folder / f"frame-{index}.png"
        run_ffmpeg(
            ["-i", str(self.out_path), "-vf", f"select=eq(n\\,{index})", "-frames:v", "1",
             "-y", str(still)],
            what="a frame",
        )  # fmt: skip
        return Image.open(still).convert("L")

    def audio_rms(self, start_s: float, end_s: float) -> float:
        pcm = self.folder / "audio.wav"
        run_ffmpeg(
            ["-i", str(self.out_path), "-ac", "1", "-c:a", "pcm_s16le", "-y", str(pcm)],
            what="pcm",
        )
        with wave.open(str(pcm)) as reader:
            rate = reader.getframerate()
            samples = array.array("h", reader.readframes(reader.getnframes()))
        window = samples[int(start_s * rate) : int(end_s * rate)]
        return math.sqrt(sum(sample * sample for sample in window) / len(window))


@pytest.fixture
def preview(tmp_path: Path, media: dict[str, Path]) -> Preview:
    return Preview(tmp_path, media)


def image_segment(
    index: int, images: int = 1, narration_s: float | None = 1.5, failed: tuple[int, ...] = ()
) -> SegmentMaterial:
    ids = tuple(f"SegmentImage[{index}][{j}]" for j in range(1, images + 1))
    return SegmentMaterial(
        index=index,
        expected=ExpectedAssets(narration=f"SegmentAudio[{index}]", images=ids),
        narration_text="Hello there.",
        narration=None if narration_s is None else AssetRef(f"SegmentAudio[{index}]", narration_s),
        images=tuple(None if j in failed else asset for j, asset in enumerate(ids, start=1)),
    )


def assemble(
    *segments: SegmentMaterial, strategy: AssemblyStrategy = FIXED, music: bool = True
) -> Timeline:
    material = AssemblyMaterial(
        title="test",
        fps=FPS,
        width=WIDTH,
        height=HEIGHT,
        segments=segments,
        music=AssetRef("MusicTrack", 8.0) if music else None,
        segment_length_s=2.0,
    )
    return assemble_timeline(material, strategy)


def test_a_two_segment_preview_lasts_as_long_as_its_timeline(preview: Preview) -> None:
    video = SegmentMaterial(
        index=2,
        expected=ExpectedAssets(narration="SegmentAudio[2]", video="SegmentVideo[2]"),
        visual_kind=VisualKind.VIDEO,
        narration=AssetRef("SegmentAudio[2]", 1.5),
        video=AssetRef("SegmentVideo[2]", 1.0),
    )
    timeline = assemble(image_segment(1, images=2), video)
    choice = {
        "SegmentImage[1][1]": "red",
        "SegmentImage[1][2]": "blue",
        "SegmentVideo[2]": "video",
        "SegmentAudio[1]": "voice",
        "SegmentAudio[2]": "voice",
        "MusicTrack": "music",
    }

    report = preview.render(timeline, choice)

    assert media_duration_s(report.out_path) == pytest.approx(timeline.duration_s, abs=0.1)
    assert preview.frame(0).size == (WIDTH, HEIGHT)
    assert report.rendered == (1, 2)
    assert [done for _, done, _ in preview.progress] == [1, 2, 3]
    assert {total for _, _, total in preview.progress} == {3}


def test_editing_one_segment_rerenders_exactly_that_clip(preview: Preview) -> None:
    timeline = assemble(image_segment(1), image_segment(2), image_segment(3))
    choice = {f"SegmentImage[{i}][1]": "red" for i in (1, 2, 3)}
    choice |= {f"SegmentAudio[{i}]": "voice" for i in (1, 2, 3)} | {"MusicTrack": "music"}

    first = preview.render(timeline, choice)
    second = preview.render(timeline, choice | {"SegmentImage[2][1]": "green"})
    third = preview.render(timeline, choice | {"SegmentImage[2][1]": "green"})

    assert (first.rendered, first.reused) == ((1, 2, 3), ())
    assert (second.rendered, second.reused) == ((2,), (1, 3))
    assert (third.rendered, third.reused) == ((), (1, 2, 3))
    assert media_duration_s(third.out_path) == pytest.approx(6.0, abs=0.1)


def test_a_render_with_nothing_changed_encodes_mixes_and_joins_nothing(preview: Preview) -> None:
    timeline = assemble(image_segment(1, images=2), image_segment(2))
    choice = {"SegmentImage[1][1]": "red", "SegmentImage[1][2]": "blue"}
    choice |= {"SegmentImage[2][1]": "green", "SegmentAudio[1]": "voice"}
    choice |= {"SegmentAudio[2]": "voice", "MusicTrack": "music"}
    first = preview.render(timeline, choice)
    before = first.out_path.stat()
    preview.progress.clear()

    again = preview.render(timeline, choice)

    assert (first.parts_rendered, first.audio_reused, first.up_to_date) == (3, False, False)
    assert (again.parts_rendered, again.parts_reused) == (0, 3)
    assert again.audio_reused and again.up_to_date and again.mix_elapsed_s == 0.0
    assert (again.rendered, again.reused) == ((), (1, 2))
    after = again.out_path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [done for _, done, _ in preview.progress] == [1, 2, 3]


def test_an_image_edit_reencodes_one_part_and_reuses_the_audio(preview: Preview) -> None:
    timeline = assemble(image_segment(1, images=2), image_segment(2))
    choice = {"SegmentImage[1][1]": "red", "SegmentImage[1][2]": "blue"}
    choice |= {"SegmentImage[2][1]": "green", "SegmentAudio[1]": "voice"}
    choice |= {"SegmentAudio[2]": "voice", "MusicTrack": "music"}
    preview.render(timeline, choice)

    edited = preview.render(timeline, choice | {"SegmentImage[1][2]": "green"})

    assert (edited.parts_rendered, edited.parts_reused) == (1, 2)
    assert edited.audio_reused and not edited.up_to_date
    assert (edited.rendered, edited.reused) == ((1,), (2,))
    assert ImageStat.Stat(preview.frame(45)).mean[0] > 90  # green (L 110), where blue was (58)
    assert media_duration_s(edited.out_path) == pytest.approx(timeline.duration_s, abs=0.1)


def test_a_narration_edit_remixes_the_audio_and_reencodes_no_picture(preview: Preview) -> None:
    timeline = assemble(image_segment(1), image_segment(2), music=False)
    choice = {"SegmentImage[1][1]": "red", "SegmentImage[2][1]": "blue"}
    choice |= {"SegmentAudio[1]": "voice", "SegmentAudio[2]": "voice"}
    preview.render(timeline, choice)

    edited = preview.render(timeline, choice | {"SegmentAudio[2]": "silence"})

    assert (edited.parts_rendered, edited.audio_reused, edited.up_to_date) == (0, False, False)
    assert edited.rendered == ()
    assert preview.audio_rms(2.2, 3.3) < 50 < preview.audio_rms(0.2, 1.3)


def test_a_deleted_output_is_joined_again_from_the_cache(preview: Preview) -> None:
    timeline = assemble(image_segment(1), image_segment(2))
    choice = {"SegmentImage[1][1]": "red", "SegmentImage[2][1]": "blue"}
    choice |= {"SegmentAudio[1]": "voice", "SegmentAudio[2]": "voice", "MusicTrack": "music"}
    preview.render(timeline, choice)
    preview.out_path.unlink()

    again = preview.render(timeline, choice)

    assert (again.parts_rendered, again.audio_reused, again.up_to_date) == (0, True, False)
    assert media_duration_s(again.out_path) == pytest.approx(timeline.duration_s, abs=0.1)


def test_a_failed_part_fails_the_render_but_keeps_the_parts_that_rendered(
    preview: Preview,
) -> None:
    timeline = assemble(image_segment(1), image_segment(2), music=False)
    choice = {"SegmentImage[1][1]": "red", "SegmentImage[2][1]": "broken"}
    choice |= {"SegmentAudio[1]": "voice", "SegmentAudio[2]": "voice"}

    with pytest.raises(MediaError, match="cannot read the image"):
        preview.render(timeline, choice)
    fixed = preview.render(timeline, choice | {"SegmentImage[2][1]": "blue"})

    assert (fixed.rendered, fixed.reused) == ((2,), (1,))
    assert fixed.audio_reused


def test_parts_cover_a_segment_with_black_where_no_clip_is() -> None:
    still = KenBurns(
        preset=KenBurnsPreset.PUSH_IN, start=Framing(scale=1.0), end=Framing(scale=1.0)
    )
    timeline = Timeline(
        title="parts", fps=FPS, width=WIDTH, height=HEIGHT, duration_s=3.0,
        segments=(SegmentSpan(index=1, start_s=0.0, duration_s=3.0),),
        tracks=Tracks(visual=(
            ImageClip(asset="SegmentImage[1][1]", segment=1, start_s=0.5, duration_s=1.0,
                      ken_burns=still),
            ImageClip(asset="SegmentImage[1][2]", segment=1, start_s=1.0, duration_s=1.5,
                      ken_burns=still),
        )),
    )  # fmt: skip

    parts = segment_parts(timeline, 1)

    assert [(part.kind, part.frames, part.skip) for part in parts] == [
        ("black", 15, 0),
        ("image", 30, 0),
        ("image", 30, 15),
        ("black", 15, 0),
    ]
    assert [part.asset for part in parts] == [
        None,
        "SegmentImage[1][1]",
        "SegmentImage[1][2]",
        None,
    ]


def test_clip_keys_follow_content_not_the_segment_start() -> None:
    digests = {f"SegmentImage[{i}][1]": f"digest-{i}" for i in (1, 2)}
    short = assemble(
        image_segment(1, narration_s=3.0), image_segment(2), strategy=AssemblyStrategy.FIT_NARRATION
    )
    long = assemble(
        image_segment(1, narration_s=4.0), image_segment(2), strategy=AssemblyStrategy.FIT_NARRATION
    )
    assert short.segment(2).start_s != long.segment(2).start_s

    assert segment_clip_key(short, 2, digests) == segment_clip_key(long, 2, digests)
    assert segment_clip_key(short, 1, digests) != segment_clip_key(long, 1, digests)
    assert segment_clip_key(short, 2, digests) != segment_clip_key(
        short, 2, digests | {"SegmentImage[2][1]": "other"}
    )
    assert segment_clip_key(short, 2, digests) != segment_clip_key(
        short, 2, digests, width=640, height=360
    )


def test_a_segment_without_visuals_renders_a_dark_slate(preview: Preview) -> None:
    timeline = assemble(image_segment(1), image_segment(2, failed=(1,)), music=False)
    choice = {"SegmentImage[1][1]": "green", "SegmentAudio[1]": "voice", "SegmentAudio[2]": "voice"}

    report = preview.render(timeline, choice)

    assert media_duration_s(report.out_path) == pytest.approx(4.0, abs=0.1)
    assert ImageStat.Stat(preview.frame(90)).mean[0] < 40
    assert ImageStat.Stat(preview.frame(10)).mean[0] > 60


@pytest.mark.parametrize("size", [(WIDTH, HEIGHT), (640, 360)])
def test_ken_burns_frames_follow_the_documented_geometry(
    preview: Preview, size: tuple[int, int]
) -> None:
    # A 300x300 image with a white square centred at (0.6, 0.45) of its size, 0.1 wide.
    move = KenBurns(
        preset=KenBurnsPreset.PUSH_OUT,
        start=Framing(scale=1.2, offset_x=0.1, offset_y=-0.05),
        end=Framing(scale=1.0),
    )
    timeline = Timeline(
        title="geometry", fps=FPS, width=WIDTH, height=HEIGHT, duration_s=2.0,
        segments=(SegmentSpan(index=1, start_s=0.0, duration_s=2.0),),
        tracks=Tracks(visual=(
            ImageClip(asset="SegmentImage[1][1]", segment=1, start_s=0.0, duration_s=2.0,
                      ken_burns=move),
        )),
    )  # fmt: skip
    preview.render(timeline, {"SegmentImage[1][1]": "marker"}, size=size)
    width, height = size
    cover = max(width / 300, height / 300)

    for frame_index in (0, 30, 59):
        progress = frame_index / 60
        scale = 1.2 - 0.2 * progress
        expected_x = width / 2 + (0.1 - 0.1 * progress) * width + (0.6 - 0.5) * 300 * cover * scale
        expected_y = (
            height / 2 + (-0.05 + 0.05 * progress) * height + (0.45 - 0.5) * 300 * cover * scale
        )
        expected_side = 0.1 * 300 * cover * scale
        box = preview.frame(frame_index).point(lambda level: 255 if level > 128 else 0).getbbox()
        assert box is not None
        left, top, right, bottom = box
        assert (left + right) / 2 == pytest.approx(expected_x, abs=1.5)
        assert (top + bottom) / 2 == pytest.approx(expected_y, abs=1.5)
        assert right - left == pytest.approx(expected_side, abs=2)


def test_music_is_ducked_under_narration_in_the_mix(preview: Preview) -> None:
    # Silent narration in segment 1 and none in segment 2 leave only the music to measure.
    timeline = assemble(image_segment(1), image_segment(2, narration_s=None))
    choice = {"SegmentImage[1][1]": "red", "SegmentImage[2][1]": "blue"}
    choice |= {"SegmentAudio[1]": "silence", "MusicTrack": "music"}

    preview.render(timeline, choice)

    ducked, full = preview.audio_rms(0.2, 1.3), preview.audio_rms(2.2, 3.8)
    assert ducked / full == pytest.approx(0.25, abs=0.03)


def test_music_stays_ducked_between_narrations_half_a_second_apart(preview: Preview) -> None:
    # Three silent 1.5 s narrations in 2 s segments (0.5 s apart), then a segment without one.
    timeline = assemble(
        image_segment(1), image_segment(2), image_segment(3), image_segment(4, narration_s=None)
    )
    choice = {f"SegmentImage[{i}][1]": "red" for i in range(1, 5)}
    choice |= {f"SegmentAudio[{i}]": "silence" for i in range(1, 4)} | {"MusicTrack": "music"}

    preview.render(timeline, choice)

    full = preview.audio_rms(6.4, 7.8)
    # 50 ms windows from the first narration's start to the last one's end, across both gaps.
    windows = [preview.audio_rms(k / 20, (k + 1) / 20) / full for k in range(0, 110)]
    assert max(windows) < 0.25 * 1.12, [round(w, 3) for w in windows]
    assert min(windows) > 0.25 * 0.88


def test_the_volume_expression_is_the_envelope() -> None:
    timeline = assemble(image_segment(1), image_segment(2, narration_s=None), image_segment(3))
    (music,) = timeline.tracks.music
    expression = envelope_expression(music)
    functions = {"lt": lambda a, b: float(a < b), "gte": lambda a, b: float(a >= b)}

    for tenth in range(0, 61):
        time_s = tenth / 10 + 0.01
        value = eval(expression, functions, {"t": time_s})  # the expression is plain arithmetic
        assert value == pytest.approx(music.volume_at(time_s), abs=1e-6)


def test_preview_size_keeps_the_aspect_with_even_sides() -> None:
    timeline = assemble(image_segment(1))

    assert preview_size(timeline, 720) == (1280, 720)
    assert preview_size(timeline, 480) == (854, 480)


def test_an_asset_without_a_file_is_a_media_error_naming_it(preview: Preview) -> None:
    timeline = assemble(image_segment(1))

    with pytest.raises(MediaError, match=r"SegmentAudio\[1\].*SegmentImage\[1\]\[1\]"):
        preview.render(timeline, {"MusicTrack": "music"})
