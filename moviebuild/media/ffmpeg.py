"""Finding and running ffmpeg, and reading media durations through it (no ffprobe needed).

ffmpeg comes from PATH or, failing that, from the imageio-ffmpeg wheel. This module never
decides what to render; callers pass complete argument lists.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

from moviebuild.errors import MediaError

_DURATION = re.compile(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)")


@functools.cache
def find_ffmpeg() -> str:
    """The ffmpeg executable: $MOVIEBUILD_FFMPEG, then PATH, then imageio-ffmpeg's copy."""
    explicit = os.environ.get("MOVIEBUILD_FFMPEG")
    if explicit:
        return explicit
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise MediaError(
            "ffmpeg was not found on PATH and the imageio-ffmpeg package has no binary",
            hint="install ffmpeg (apt-get install ffmpeg) or `pip install imageio-ffmpeg`",
        ) from exc


def run_ffmpeg(args: list[str], *, what: str, input_bytes: bytes | None = None) -> bytes:
    """Run ffmpeg with ``args`` (without the executable); returns stdout.

    ``what`` names the media being made, for the error message.
    """
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    try:
        done = subprocess.run(command, input=input_bytes, capture_output=True, check=False)
    except OSError as exc:
        raise MediaError(f"could not start ffmpeg for {what}: {exc}") from exc
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise MediaError(f"ffmpeg failed making {what}: " + " | ".join(tail))
    return done.stdout


def media_duration_s(path: Path) -> float:
    """Duration of an audio or video file in seconds, by decoding it with ffmpeg."""
    command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-i", str(path), "-f", "null", "-"]
    done = subprocess.run(command, capture_output=True, check=False)
    matches = _DURATION.findall(done.stderr.decode(errors="replace"))
    if done.returncode != 0 or not matches:
        raise MediaError(f"could not read the duration of {path}")
    hours, minutes, seconds = matches[-1]
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
