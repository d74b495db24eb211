"""Generated media verified and brought to the formats the store and the timeline expect (PNG
images, MP3 audio, MP4 video), whatever a model returned (WebP, JPEG, WAV, WebM...). Images are
decoded in full within a stated size cap; audio and video are decoded by ffmpeg. It fetches
nothing and decides nothing about content.
"""

from __future__ import annotations

import asyncio
import base64
import io
import re
import subprocess
import tempfile
from pathlib import Path

from moviebuild.errors import MediaError, ProviderError
from moviebuild.providers.http import MediaKind

_PNG = b"\x89PNG\r\n\x1a\n"
#: The largest image stored: no side over 8192 pixels and at most 40 megapixels (an 8K frame).
MAX_IMAGE_SIDE_PX = 8192
MAX_IMAGE_PIXELS = 40_000_000
_TIME = re.compile(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)")
#: Above this an input image travels as JPEG: providers advise small data: URIs.
DATA_URI_MAX_BYTES = 256 << 10


def is_expected_format(data: bytes, kind: MediaKind) -> bool:
    """True when ``data`` already is a PNG, an MP3 or an ISO-BMFF (MP4/MOV) file."""
    if kind == "image":
        return data.startswith(_PNG)
    if kind == "audio":
        return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF
                                            and data[1] & 0xE6 == 0xE2)
    return data[4:8] == b"ftyp"


def verify_image(data: bytes) -> bytes:
    """``data`` as a verified PNG: its size read from the header and checked against the cap
    before any pixel is decoded, then decoded in full (junk after a valid signature fails)."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            width, height = image.size
            if max(width, height) > MAX_IMAGE_SIDE_PX or width * height > MAX_IMAGE_PIXELS:
                raise MediaError(
                    f"the image is {width}x{height}, over the cap of {MAX_IMAGE_SIDE_PX} "
                    f"pixels a side and {MAX_IMAGE_PIXELS // 1_000_000} megapixels")
            image.load()
            if data.startswith(_PNG):
                return data
            out = io.BytesIO()
            image.convert("RGBA" if "A" in image.getbands() else "RGB").save(out, "PNG")
            return out.getvalue()
    except Image.DecompressionBombError as exc:
        raise MediaError(f"the image is over the cap of {MAX_IMAGE_SIDE_PX} pixels a side "
                         f"({exc})") from exc
    except UnidentifiedImageError as exc:
        # Pillow's message names its in-memory buffer, which tells a reader nothing.
        raise MediaError("the image could not be decoded (no image format recognised)") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise MediaError(f"the image could not be decoded ({exc})") from exc


def probe_media(data: bytes, kind: MediaKind) -> float:
    """Seconds of audio or video in ``data``, decoded in full by ffmpeg; MediaError when it has
    no stream of that kind, no length or a decoding error."""
    from moviebuild.media.ffmpeg import find_ffmpeg

    stream = "a" if kind == "audio" else "v"
    with tempfile.TemporaryDirectory(prefix="moviebuild-probe-") as folder:
        source = Path(folder) / "in.bin"
        source.write_bytes(data)
        command = [find_ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-stats",
                   "-xerror", "-i", str(source), "-map", f"0:{stream}:0", "-f", "null", "-"]
        done = subprocess.run(command, capture_output=True, check=False)
    log = done.stderr.decode(errors="replace")
    times = _TIME.findall(log)
    if done.returncode != 0 or not times:
        problem = next((line for line in log.splitlines() if "time=" not in line), "")
        raise MediaError(f"the {kind} could not be decoded ({problem.strip() or 'no stream'})")
    hours, minutes, seconds = times[-1]
    duration_s = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    if duration_s <= 0:
        raise MediaError(f"the {kind} has no length")
    return duration_s


def convert_media(data: bytes, kind: MediaKind) -> bytes:
    """``data`` as PNG, MP3 or MP4; raises MediaError when it cannot be decoded."""
    if kind == "image":
        return verify_image(data)
    from moviebuild.media.ffmpeg import run_ffmpeg

    with tempfile.TemporaryDirectory(prefix="moviebuild-convert-") as folder:
        source, target = Path(folder) / "in.bin", Path(folder) / "out"
        source.write_bytes(data)
        if kind == "audio":
            from moviebuild.providers.offline.audio import render_mp3

            return render_mp3(["-i", str(source), "-vn"], what="an MP3 from a provider's audio")
        run_ffmpeg(["-y", "-i", str(source), "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-movflags", "+faststart", "-f", "mp4", str(target)],
                   what="an MP4 from a provider's video")
        return target.read_bytes()


def image_data_uri(data: bytes) -> str:
    """An input image as a ``data:`` URI, re-encoded as JPEG when the PNG is large."""
    media_type = "image/png" if data.startswith(_PNG) else "application/octet-stream"
    if len(data) > DATA_URI_MAX_BYTES or media_type != "image/png":
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=88)
        data, media_type = out.getvalue(), "image/jpeg"
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def verified_media(data: bytes, kind: MediaKind) -> bytes:
    """``data`` decoded and verified, converted to the store's format when it is another."""
    if kind == "image":
        return verify_image(data)
    if not is_expected_format(data, kind):
        data = convert_media(data, kind)
    probe_media(data, kind)
    return data


async def normalize_media(data: bytes, kind: MediaKind, *, provider: str, job_id: str) -> bytes:
    """``data`` verified (and converted when needed) in a thread, before anything stores it."""
    try:
        return await asyncio.to_thread(verified_media, data, kind)
    except MediaError as exc:
        raise ProviderError(f"{job_id}: {provider}: the returned {kind} is unusable: {exc}",
                            retryable=False, provider=provider,
                            hint="choose another model, or set params that select PNG/MP3/MP4 "
                                 "output") from exc
