"""Offline video: a Ken Burns zoom and pan over a still, encoded as a silent H.264 MP4.

The still is the caller's start image or, without one, the offline picture of the prompt. The
motion (zoom in or out, pan direction) is a stable pick from the prompt, style and seed.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

from moviebuild.errors import MediaError
from moviebuild.media.ffmpeg import run_ffmpeg
from moviebuild.providers.offline.image import (
    MAX_SIDE_PX,
    render_headline_overlay,
    render_image,
)
from moviebuild.providers.offline.seeds import seed_from

MAX_DURATION_S = 600.0
# The still is made this much larger than the frame, so the deepest zoom still shows at least
# one source pixel per frame pixel; zoompan over a much larger upscale is slow.
_SOURCE_SCALE = 1.2
_MAX_ZOOM = 1.18
# One thread everywhere (decoder, filter graph, x264 and its lookahead): the bytes then depend
# only on the arguments, never on the machine's core count or on how busy it is.
_SINGLE_THREADED = ["-threads", "1", "-filter_threads", "1", "-filter_complex_threads", "1"]
_X264_PARAMS = "threads=1:lookahead-threads=1:sliced-threads=0"
_PANS = (
    (0.5, 0.5, 0.5, 0.5),
    (0.0, 0.5, 1.0, 0.5),
    (1.0, 0.5, 0.0, 0.5),
    (0.5, 0.0, 0.5, 1.0),
    (0.5, 1.0, 0.5, 0.0),
    (0.0, 0.0, 1.0, 1.0),
)


def render_video(
    prompt: str,
    *,
    style: str,
    width: int,
    height: int,
    duration_s: float = 10.0,
    fps: int = 24,
    seed: int = 0,
    start_image: bytes | None = None,
    references: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """An MP4 (H.264, yuv420p, no audio) of exactly ``round(duration_s * fps)`` frames."""
    _check_request(width, height, duration_s, fps)
    frame_count = max(1, round(duration_s * fps))
    source_w, source_h = _even(width * _SOURCE_SCALE), _even(height * _SOURCE_SCALE)
    # A still of our own gets its headline as a fixed overlay, so the zoom never crops it; a
    # start image is shown as given.
    still = start_image
    if still is None:
        still = render_image(
            prompt, style=style, width=source_w, height=source_h, seed=seed, headline=False,
            references=references,
        )
    choice = seed_from("video", prompt, style, seed)
    zoom_in = choice % 2 == 0
    x0, y0, x1, y1 = _PANS[(choice >> 4) % len(_PANS)]
    progress = f"(on/{max(1, frame_count - 1)})"
    zoom = (
        f"1+{_MAX_ZOOM - 1:.3f}*{progress}"
        if zoom_in
        else f"{_MAX_ZOOM:.3f}-{_MAX_ZOOM - 1:.3f}*{progress}"
    )
    pan_x = f"(iw-iw/zoom)*({x0}+{x1 - x0}*{progress})"
    pan_y = f"(ih-ih/zoom)*({y0}+{y1 - y0}*{progress})"
    motion = (
        f"[0:v]scale={source_w}:{source_h}:force_original_aspect_ratio=increase,"
        f"crop={source_w}:{source_h},"
        f"zoompan=z='{zoom}':x='{pan_x}':y='{pan_y}':d={frame_count}:s={width}x{height}:fps={fps}"
    )
    encode = [
        "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-pix_fmt", "yuv420p",
        "-x264-params", _X264_PARAMS, "-r", str(fps), "-frames:v", str(frame_count),
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags", "+bitexact",
        "-movflags", "+faststart", "-f", "mp4",
    ]  # fmt: skip
    scaling = ["-sws_flags", "bicubic+accurate_rnd+full_chroma_int+bitexact"]
    with tempfile.TemporaryDirectory(prefix="moviebuild-video-") as folder:
        out_path = Path(folder) / "clip.mp4"
        inputs = ["-threads", "1", "-i", "pipe:0"]
        graph = f"{motion},format=yuv420p[clip]"
        if start_image is None and prompt.strip():
            caption_path = Path(folder) / "headline.png"
            caption_path.write_bytes(render_headline_overlay(prompt, width=width, height=height))
            inputs += ["-i", str(caption_path)]
            graph = f"{motion}[moving];[moving][1:v]overlay=0:0,format=yuv420p[clip]"
        args = [
            "-y", *_SINGLE_THREADED, *inputs, *scaling, "-filter_complex", graph, "-map", "[clip]",
            *encode, "-threads", "1",
        ]  # fmt: skip
        run_ffmpeg(
            [*args, str(out_path)],
            what=f"a {duration_s:g} s {width}x{height} video clip",
            input_bytes=still,
        )
        return out_path.read_bytes()


def _check_request(width: int, height: int, duration_s: float, fps: int) -> None:
    if not (0 < width <= MAX_SIDE_PX and 0 < height <= MAX_SIDE_PX) or width % 2 or height % 2:
        raise MediaError(
            f"cannot render a {width}x{height} video",
            hint=f"H.264 needs an even width and height, each at most {MAX_SIDE_PX} pixels",
        )
    if not (0 < fps <= 120):
        raise MediaError(f"cannot render video at {fps} frames per second", hint="use 1 to 120")
    if math.isnan(duration_s) or not (0 < duration_s <= MAX_DURATION_S):
        raise MediaError(
            f"cannot render a {duration_s} s video clip",
            hint=f"ask for a duration between 0 and {MAX_DURATION_S:.0f} seconds",
        )


def _even(size_px: float) -> int:
    return max(2, round(size_px / 2) * 2)
