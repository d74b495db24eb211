"""Generated media brought to the formats the store and the timeline expect (PNG images, MP3
audio, MP4 video), whatever a model returned (WebP, JPEG, WAV, WebM...). It inspects and converts
bytes already downloaded; it fetches nothing and decides nothing about content.
"""

from __future__ import annotations

import asyncio
import base64
import io
import tempfile
from pathlib import Path

from moviebuild.errors import MediaError, ProviderError
from moviebuild.providers.http import MediaKind

_PNG = b"\x89PNG\r\n\x1a\n"
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


def convert_media(data: bytes, kind: MediaKind) -> bytes:
    """``data`` as PNG, MP3 or MP4; raises MediaError when it cannot be decoded."""
    if kind == "image":
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                out = io.BytesIO()
                image.convert("RGBA" if "A" in image.getbands() else "RGB").save(out, "PNG")
                return out.getvalue()
        except (UnidentifiedImageError, OSError) as exc:
            raise MediaError(f"the image could not be decoded ({exc})") from exc
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


async def normalize_media(data: bytes, kind: MediaKind, *, provider: str, job_id: str) -> bytes:
    """``data`` unchanged when already in the store's format, else converted in a thread."""
    if is_expected_format(data, kind):
        return data
    try:
        return await asyncio.to_thread(convert_media, data, kind)
    except MediaError as exc:
        raise ProviderError(f"{job_id}: {provider}: the returned {kind} is unusable: {exc}",
                            retryable=False, provider=provider,
                            hint="choose another model, or set params that select PNG/MP3/MP4 "
                                 "output") from exc
