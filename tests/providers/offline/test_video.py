"""The offline Ken Burns clip: exact frame count and size, H.264 yuv420p, determinism."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from moviebuild.errors import MediaError
from moviebuild.media.ffmpeg import find_ffmpeg, media_duration_s
from moviebuild.providers.offline.image import render_image
from moviebuild.providers.offline.video import render_video

PROMPT = "A lighthouse on a stormy ocean at night"


def _decoded(path: Path) -> tuple[int, str]:
    """(frames decoded, ffmpeg's report) for the video in ``path``."""
    command = [find_ffmpeg(), "-hide_banner", "-i", str(path), "-map", "0:v", "-f", "null", "-"]
    report = subprocess.run(command, capture_output=True, check=True).stderr.decode()
    return int(re.findall(r"frame=\s*(\d+)", report)[-1]), report


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    path.write_bytes(
        render_video(PROMPT, style="watercolor", width=854, height=480, duration_s=2.0, fps=24)
    )
    return path


def test_the_clip_has_exactly_duration_times_fps_frames(clip: Path) -> None:
    frames, _ = _decoded(clip)
    assert frames == 48
    assert media_duration_s(clip) == pytest.approx(2.0, abs=0.05)


def test_the_clip_is_h264_yuv420p_at_the_frame_size_without_audio(clip: Path) -> None:
    _, report = _decoded(clip)
    assert re.search(r"Video: h264 .*yuv420p.*854x480", report)
    assert "Audio:" not in report


def test_the_index_comes_before_the_media_for_streaming(clip: Path) -> None:
    data = clip.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")


def test_rendering_again_gives_identical_bytes(clip: Path) -> None:
    again = render_video(PROMPT, style="watercolor", width=854, height=480, duration_s=2.0, fps=24)
    assert again == clip.read_bytes()


def test_encoding_under_parallel_load_gives_identical_bytes(clip: Path) -> None:
    """Six encodes at once on a machine kept busy by two CPU-bound processes: one set of bytes."""
    from concurrent.futures import ThreadPoolExecutor

    burn = [find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "mandelbrot=s=640x480",
            "-frames:v", "2000", "-f", "null", "-"]  # fmt: skip
    burners = [subprocess.Popen(burn) for _ in range(2)]
    try:
        with ThreadPoolExecutor(6) as pool:
            encoded = set(
                pool.map(
                    lambda _: render_video(
                        PROMPT, style="watercolor", width=854, height=480, duration_s=2.0, fps=24
                    ),
                    range(6),
                )
            )
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert encoded == {clip.read_bytes()}


def test_the_clip_moves(clip: Path, tmp_path: Path) -> None:
    frames = []
    for index in (0, 47):
        out = tmp_path / f"frame{index}.png"
        subprocess.run(
            [find_ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", str(clip),
             "-vf", f"select=eq(n\\,{index})", "-frames:v", "1", str(out)],
            check=True,
        )  # fmt: skip
        frames.append(out.read_bytes())
    assert frames[0] != frames[1]


def test_another_prompt_or_seed_gives_another_clip() -> None:
    def clip_bytes(prompt: str, seed: int) -> bytes:
        return render_video(prompt, style="anime", width=320, height=180, duration_s=0.5, seed=seed)

    base = clip_bytes(PROMPT, 0)
    assert clip_bytes(PROMPT + " with stars", 0) != base
    assert clip_bytes(PROMPT, 1) != base


def test_a_start_image_of_another_shape_is_covered_and_animated(tmp_path: Path) -> None:
    start = render_image("a red fox in snow", style="cartoon", width=300, height=200)
    path = tmp_path / "tall.mp4"
    path.write_bytes(
        render_video(PROMPT, style="anime", width=360, height=640, duration_s=1.0, fps=12,
                     start_image=start)
    )  # fmt: skip
    frames, report = _decoded(path)
    assert frames == 12
    assert re.search(r"Video: h264 .*360x640", report)


def test_an_unreadable_start_image_is_a_media_error() -> None:
    with pytest.raises(MediaError):
        render_video(PROMPT, style="anime", width=320, height=180, start_image=b"not an image")


@pytest.mark.parametrize(
    ("width", "height", "duration_s", "fps"),
    [(321, 180, 1.0, 24), (320, 180, 0.0, 24), (320, 180, 1.0, 0), (320, 180, 9999.0, 24)],
)
def test_impossible_requests_are_media_errors(
    width: int, height: int, duration_s: float, fps: int
) -> None:
    with pytest.raises(MediaError):
        render_video(PROMPT, style="anime", width=width, height=height, duration_s=duration_s,
                     fps=fps)  # fmt: skip
