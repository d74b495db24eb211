"""Small but valid media for the emulators to serve: images through Pillow, MP3 and MP4 through
ffmpeg, each made once per shape and cached for the process. Nothing here looks like its prompt;
the offline providers do that.
"""

from __future__ import annotations

import functools
import io
import tempfile
import zlib
from pathlib import Path

from moviebuild.media.ffmpeg import run_ffmpeg


@functools.cache
def image_bytes(width: int, height: int, label: str = "", image_format: str = "PNG") -> bytes:
    """A ``width`` x ``height`` picture in ``image_format`` (PNG, JPEG or WEBP) whose colour
    depends on ``label``."""
    from PIL import Image, ImageDraw

    hue = zlib.crc32(label.encode()) & 0xFFFFFF
    colour = ((hue >> 16) & 0xFF, (hue >> 8) & 0xFF, hue & 0xFF)
    image = Image.new("RGB", (max(1, width), max(1, height)), colour)
    ImageDraw.Draw(image).text((8, 8), label[:60] or "emulated", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, image_format)
    return out.getvalue()


@functools.cache
def mp3_bytes(duration_s: float) -> bytes:
    """An MP3 of a quiet tone lasting ``duration_s`` (rounded to 0.5 s, at least 0.5 s), 44.1 kHz,
    with a Xing header so its duration reads exactly."""
    duration_s = max(0.5, round(duration_s * 2) / 2)
    with tempfile.TemporaryDirectory(prefix="moviebuild-emulator-") as folder:
        path = Path(folder) / "tone.mp3"
        run_ffmpeg(["-y", "-f", "lavfi", "-i", f"sine=frequency=220:duration={duration_s}",
                    "-af", "volume=0.2", "-ar", "44100", "-ac", "1", "-c:a", "libmp3lame",
                    "-b:a", "64k", "-map_metadata", "-1", "-f", "mp3", str(path)],
                   what="an emulator MP3")
        return path.read_bytes()


@functools.cache
def mp4_bytes(duration_s: float, width: int = 160, height: int = 90) -> bytes:
    """An H.264 MP4 test pattern lasting ``duration_s`` at 10 fps, silent."""
    duration_s = max(1.0, round(duration_s))
    with tempfile.TemporaryDirectory(prefix="moviebuild-emulator-") as folder:
        path = Path(folder) / "clip.mp4"
        run_ffmpeg(["-y", "-f", "lavfi", "-i",
                    f"testsrc=size={width}x{height}:rate=10:duration={duration_s}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-movflags", "+faststart", "-f", "mp4", str(path)],
                   what="an emulator MP4")
        return path.read_bytes()
