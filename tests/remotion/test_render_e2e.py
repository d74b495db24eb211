"""End to end through Remotion and Chromium: the example movie's first 2 seconds to MP4, and the
same instants drawn by Remotion and by the ffmpeg preview compared for layout. Skipped, with the
reason, when Node, remotion/node_modules or Chromium is missing (.ci/remotion-setup installs
them)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from moviebuild.media.ffmpeg import find_ffmpeg
from moviebuild.project.remotion import render_with_remotion
from moviebuild.timeline import (
    AssetMap,
    DirectoryClipCache,
    Framing,
    ImageClip,
    KenBurns,
    KenBurnsPreset,
    SegmentSpan,
    Timeline,
    Tracks,
    VideoClip,
    dump_asset_map,
    dump_timeline,
    load_timeline,
    render_preview,
)
from tests.remotion.conftest import RemotionTools, run_moviebuild
from tests.remotion.frames import (
    best_shift,
    bright_box,
    extract_frame,
    mean_abs_diff,
    probe_streams,
    rescaled_about_centre,
)

FIRST_FRAMES = (0, 59)
MARKER_BACKGROUND, MARKER_FOREGROUND = 40, 220


@pytest.fixture(scope="module")
def two_seconds(remotion_tools: RemotionTools, example_movie: Path) -> dict[str, object]:
    """`moviebuild render --engine remotion` of frames 0-59, with captions (both renderers draw
    them, so the frame comparison covers them too)."""
    done = run_moviebuild(
        "-C", str(example_movie), "render", "--engine", "remotion",
        "--frames", f"{FIRST_FRAMES[0]}-{FIRST_FRAMES[1]}", "--json",
    )  # fmt: skip
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_the_first_two_seconds_of_the_example_movie_render_to_mp4(
    two_seconds: dict[str, object], example_movie: Path
) -> None:
    movie = example_movie / "out" / "movie.mp4"
    timeline = load_timeline((example_movie / "out" / "timeline.json").read_bytes())

    frames, has_audio = probe_streams(movie)

    expected = 2 * timeline.fps
    assert two_seconds["output"] == str(movie.resolve())
    assert two_seconds["frames"] == expected == frames == FIRST_FRAMES[1] - FIRST_FRAMES[0] + 1
    assert (two_seconds["width"], two_seconds["height"]) == (timeline.width, timeline.height)
    assert has_audio, "narration and music should be mixed into the MP4"
    print(f"\nRemotion render speed: {two_seconds['frames_per_s']} frames/s "
          f"({two_seconds['frames']} frames of {timeline.width}x{timeline.height} "
          f"in {two_seconds['render_s']} s)")  # fmt: skip


def test_remotion_and_the_ffmpeg_preview_draw_the_same_frame(
    two_seconds: dict[str, object], example_movie: Path
) -> None:
    # Frame 45: the first image's push-in is at scale 1.045, so scale and centring both matter.
    remotion = extract_frame(example_movie / "out" / "movie.mp4", 45)
    ffmpeg = extract_frame(example_movie / "out" / "preview.mp4", 45)
    assert remotion.size == ffmpeg.size

    dx, dy, shifted_diff = best_shift(ffmpeg, remotion, radius=3)
    by_scale = {
        factor: mean_abs_diff(ffmpeg, rescaled_about_centre(remotion, factor))
        for factor in (0.99, 1.0, 1.01)
    }

    # Tolerances. Both encoders are lossy H.264 at different settings (Remotion: JPEG frames
    # then CRF 18, full-range; the preview: CRF 23, limited range), and Chrome's bilinear image
    # scaling differs from ffmpeg's perspective filter, so pixels differ by a few levels
    # everywhere: measured 1.3/255 on average. 3/255 leaves room for codec noise. That alone
    # cannot see small misplacements of this soft watercolour (a 4 px shift of the preview
    # against itself differs by only 0.8/255), so the position and scale are checked directly:
    # the best-matching shift must be within 1 px (0.12 % of the width; sub-pixel rounding of
    # the two renderers) and 1 % larger or smaller must match worse than the same scale.
    assert mean_abs_diff(ffmpeg, remotion) < 3.0
    assert abs(dx) <= 1 and abs(dy) <= 1, (dx, dy, shifted_diff)
    assert min(by_scale, key=lambda factor: by_scale[factor]) == 1.0, by_scale


def _marker_movie(folder: Path) -> Timeline:
    """A hand-written timeline: a 4:3 picture with a white square, panned and zoomed diagonally
    in a 16:9 frame, so cover, scale and both offsets all move the square."""
    out = folder / "out"
    out.mkdir(parents=True)
    image = Image.new("RGB", (480, 360), (MARKER_BACKGROUND,) * 3)
    ImageDraw.Draw(image).rectangle((300, 80, 347, 127), fill=(MARKER_FOREGROUND,) * 3)
    image.save(out / "marker.png")
    timeline = Timeline(
        title="Marker", fps=30, width=640, height=360, duration_s=1.0,
        segments=(SegmentSpan(index=1, start_s=0.0, duration_s=1.0),),
        tracks=Tracks(visual=(ImageClip(
            asset="Marker", segment=1, start_s=0.0, duration_s=1.0,
            ken_burns=KenBurns(
                preset=KenBurnsPreset.PAN_LEFT,
                start=Framing(scale=1.2, offset_x=0.08, offset_y=-0.05),
                end=Framing(scale=1.5, offset_x=-0.2, offset_y=0.15),
            ),
        ),)),
    )  # fmt: skip
    (out / "timeline.json").write_bytes(dump_timeline(timeline))
    (out / "assets.json").write_bytes(dump_asset_map(AssetMap(assets={"Marker": "marker.png"})))
    return timeline


def test_both_renderers_put_a_marker_where_the_documented_geometry_says(
    remotion_tools: RemotionTools, tmp_path: Path
) -> None:
    folder = tmp_path / "marker"
    timeline = _marker_movie(folder)
    frame = 20
    remotion_report = render_with_remotion(
        folder, frames=(frame, frame), captions=False, browser=remotion_tools.browser
    )
    preview = folder / "out" / "preview.mp4"
    render_preview(
        timeline, {"Marker": folder / "out" / "marker.png"}, out_path=preview,
        width=timeline.width, height=timeline.height,
        cache=DirectoryClipCache(tmp_path / "cache"), asset_digests={"Marker": "marker-v1"},
    )  # fmt: skip

    levels = (MARKER_BACKGROUND, MARKER_FOREGROUND)
    by_remotion = bright_box(extract_frame(remotion_report.out_path, 0), *levels)
    by_ffmpeg = bright_box(extract_frame(preview, frame), *levels)

    # docs/timeline.md: cover c = max(640/480, 360/360) = 4/3, p = 20/30, s = 1.2 + 0.3p.
    p = frame / 30
    s, ox, oy = 1.2 + 0.3 * p, 0.08 - 0.28 * p, -0.05 + 0.2 * p
    c = 640 / 480
    left, top = 320 - 480 * c * s / 2 + ox * 640, 180 - 360 * c * s / 2 + oy * 360
    expected = (left + 300 * c * s, top + 80 * c * s, left + 348 * c * s, top + 128 * c * s)
    # 1 px. Measured: both renderers put every edge within 0.4 px of the formula (and 0.65 px
    # of each other). Chrome draws the <img> with bilinear filtering, ffmpeg's perspective filter
    # interpolates its own way, and each quantises to 8 bits, so half a pixel each way is
    # rounding, not layout. Layout mistakes are far larger: being one frame off in p moves the
    # square 6 px, a flipped offset sign over 100 px, a missing cover factor tens of pixels.
    assert by_remotion == pytest.approx(expected, abs=1.0)
    assert by_ffmpeg == pytest.approx(expected, abs=1.0)
    assert by_remotion == pytest.approx(by_ffmpeg, abs=1.0)


def _video_movie(folder: Path) -> Timeline:
    """A hand-written timeline: a 1 s 4:3 video in a 2 s clip of a 16:9 frame, so it is cropped
    to cover and its last frame is held for the second second. Each source frame is 5 levels
    brighter than the one before (so a frame off in time shows), with a bright band on the left
    and across the top (so a crop or scale off in place shows)."""
    out = folder / "out"
    out.mkdir(parents=True)
    pattern = "nullsrc=s=320x240:r=30:d=1,geq=lum='10+5*N+30*(lt(X,100)+lt(Y,50))':cb=128:cr=128"
    subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi",
         "-i", pattern, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", str(out / "ramp.mp4")],
        check=True,
    )  # fmt: skip
    timeline = Timeline(
        title="Ramp", fps=30, width=640, height=360, duration_s=2.0,
        segments=(SegmentSpan(index=1, start_s=0.0, duration_s=2.0),),
        tracks=Tracks(visual=(VideoClip(
            asset="Ramp", segment=1, start_s=0.0, duration_s=2.0, playback_rate=1.0,
        ),)),
    )  # fmt: skip
    (out / "timeline.json").write_bytes(dump_timeline(timeline))
    (out / "assets.json").write_bytes(dump_asset_map(AssetMap(assets={"Ramp": "ramp.mp4"})))
    return timeline


def test_a_video_clip_plays_then_holds_its_last_frame_in_both_renderers(
    remotion_tools: RemotionTools, tmp_path: Path
) -> None:
    folder = tmp_path / "ramp"
    timeline = _video_movie(folder)
    first, last = 24, 40  # the source's last frame is clip frame 29
    report = render_with_remotion(
        folder, frames=(first, last), captions=False, browser=remotion_tools.browser
    )
    preview = folder / "out" / "preview.mp4"
    render_preview(
        timeline, {"Ramp": folder / "out" / "ramp.mp4"}, out_path=preview,
        width=timeline.width, height=timeline.height,
        cache=DirectoryClipCache(tmp_path / "cache"), asset_digests={"Ramp": "ramp-v1"},
    )  # fmt: skip
    checked = (24, 28, 29, 30, 40)

    by_remotion = {k: extract_frame(report.out_path, k - first) for k in checked}
    by_ffmpeg = {k: extract_frame(preview, k) for k in checked}

    # Measured: the renderers differ by 0.1/255 (flat picture, little codec noise), and by
    # 5.5/255 when one of them is a frame late, so 2.5/255 catches a frame off in time (or a
    # band edge off in place); the hold must repeat a frame to within 1/255.
    for k in checked:
        assert mean_abs_diff(by_remotion[k], by_ffmpeg[k]) < 2.5, f"frame {k}"
    for frames in (by_remotion, by_ffmpeg):
        assert mean_abs_diff(frames[28], frames[29]) > 3.0, "the source plays until frame 29"
        assert mean_abs_diff(frames[29], frames[30]) < 1.0, "then its last frame is held"
        assert mean_abs_diff(frames[29], frames[40]) < 1.0


def _caption_movie(folder: Path, text: str) -> Timeline:
    """A hand-written timeline: a plain grey picture under a two-line caption of ``text``
    spoken over 2 s, laid out by the assembler's caption rules."""
    from moviebuild.timeline.captions import caption_pages
    from moviebuild.timeline.model import CaptionStyle

    out = folder / "out"
    out.mkdir(parents=True)
    Image.new("RGB", (640, 360), (CAPTION_GREY,) * 3).save(out / "grey.png")
    captions = caption_pages(
        text, segment=1, start_s=0.0, duration_s=2.0, style=CaptionStyle(), width=640, height=360
    )
    still = Framing(scale=1.0)
    timeline = Timeline(
        title="Captions", fps=30, width=640, height=360, duration_s=2.0,
        segments=(SegmentSpan(index=1, start_s=0.0, duration_s=2.0),),
        tracks=Tracks(
            visual=(ImageClip(
                asset="Grey", segment=1, start_s=0.0, duration_s=2.0,
                ken_burns=KenBurns(preset=KenBurnsPreset.PUSH_IN, start=still, end=still),
            ),),
            captions=tuple(captions),
        ),
    )  # fmt: skip
    (out / "timeline.json").write_bytes(dump_timeline(timeline))
    (out / "assets.json").write_bytes(dump_asset_map(AssetMap(assets={"Grey": "grey.png"})))
    return timeline


CAPTION_GREY = 120


def _box_of(image: Image.Image, keep: Callable[[tuple[int, int, int]], bool]) -> tuple[int, ...]:
    """The bounding box of the pixels ``keep`` accepts."""
    rgb = image.convert("RGB")
    pixels = rgb.tobytes()
    mask = Image.frombytes("L", rgb.size, bytes(
        255 if keep((pixels[i], pixels[i + 1], pixels[i + 2])) else 0
        for i in range(0, len(pixels), 3)
    ))  # fmt: skip
    box = mask.getbbox()
    assert box is not None, "no such pixels"
    return box


@pytest.mark.parametrize(
    "text",
    [
        "The keeper climbed the narrow stairs every night, counting each step as he went.",
        "灯台守は毎晩、狭い階段を一段ずつ数えながら上りました。",
    ],
    ids=["latin", "japanese"],
)
def test_both_renderers_draw_the_same_caption_in_the_same_place(
    remotion_tools: RemotionTools, tmp_path: Path, text: str
) -> None:
    folder = tmp_path / "captions"
    timeline = _caption_movie(folder, text)
    (caption,) = timeline.tracks.captions
    frame = round(caption.words[2].start_s * 30) + 1  # the third word is lit
    remotion_report = render_with_remotion(
        folder, frames=(frame, frame), captions=True, browser=remotion_tools.browser
    )
    preview = folder / "out" / "preview.mp4"
    render_preview(
        timeline, {"Grey": folder / "out" / "grey.png"}, out_path=preview,
        width=timeline.width, height=timeline.height,
        cache=DirectoryClipCache(tmp_path / "cache"), asset_digests={"Grey": "grey-v1"},
    )  # fmt: skip
    by_remotion = extract_frame(remotion_report.out_path, 0)
    by_ffmpeg = extract_frame(preview, frame)

    def dark(pixel: tuple[int, int, int]) -> bool:
        return max(pixel) < CAPTION_GREY - 40  # the caption's box

    def white(pixel: tuple[int, int, int]) -> bool:
        return min(pixel) > 200

    def lit(pixel: tuple[int, int, int]) -> bool:
        return pixel[0] > 180 and pixel[1] > 140 and pixel[2] < 130

    # The box is placed by arithmetic: within a pixel. Text is shaped by two engines (Chrome's
    # and FreeType through Pillow) from the same font: within a few pixels, where a line
    # broken elsewhere or another font would be off by tens.
    assert _box_of(by_remotion, dark) == pytest.approx(_box_of(by_ffmpeg, dark), abs=2)
    assert _box_of(by_remotion, white) == pytest.approx(_box_of(by_ffmpeg, white), abs=4)
    assert _box_of(by_remotion, lit) == pytest.approx(_box_of(by_ffmpeg, lit), abs=4)
