"""Provider media normalised to the store's formats: PNG images, MP3 audio, MP4 video."""

from __future__ import annotations

import asyncio
import base64
import io
import random

import pytest
from PIL import Image

from moviebuild.errors import ProviderError
from moviebuild.media.ffmpeg import run_ffmpeg
from moviebuild.providers.media_format import image_data_uri, is_expected_format, normalize_media
from moviebuild.providers.offline.audio import mp3_duration_s
from moviebuild.testing.emulators.media import image_bytes, mp3_bytes, mp4_bytes


def _normalize(data: bytes, kind: str) -> bytes:
    return asyncio.run(normalize_media(data, kind, provider="fal", job_id="Job[1]"))  # type: ignore[arg-type]


@pytest.mark.parametrize("image_format", ["JPEG", "WEBP"])
def test_jpeg_and_webp_images_become_png(image_format: str) -> None:
    assert _normalize(image_bytes(32, 18, "x", image_format), "image").startswith(b"\x89PNG")


def test_media_already_in_the_stores_format_is_kept_byte_for_byte() -> None:
    for data, kind in ((image_bytes(8, 8), "image"), (mp3_bytes(1.0), "audio"),
                       (mp4_bytes(1.0), "video")):
        assert is_expected_format(data, kind)  # type: ignore[arg-type]
        assert _normalize(data, kind) is data


def test_wav_audio_becomes_mp3_of_the_same_length() -> None:
    wav = run_ffmpeg(["-f", "lavfi", "-i", "sine=duration=2", "-f", "wav", "pipe:1"], what="wav")
    mp3 = _normalize(wav, "audio")
    assert mp3_duration_s(mp3) == pytest.approx(2.0, abs=0.1)


def test_undecodable_media_needs_attention() -> None:
    with pytest.raises(ProviderError, match="the returned image is unusable") as caught:
        _normalize(b"not an image", "image")
    assert not caught.value.retryable


def test_large_input_images_travel_as_jpeg_data_uris() -> None:
    small = image_bytes(16, 16)
    assert image_data_uri(small) == "data:image/png;base64," + base64.b64encode(small).decode()
    noisy = random.Random(0).randbytes(1000 * 512)
    big = io.BytesIO()
    Image.frombytes("L", (1000, 512), noisy).save(big, "PNG")
    assert image_data_uri(big.getvalue()).startswith("data:image/jpeg;base64,")


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header (with a valid CRC) claims a size its data does not have."""
    import struct
    import zlib

    real = image_bytes(8, 8)
    ihdr = struct.pack(">II", width, height) + real[24:29]
    chunk = b"IHDR" + ihdr
    return real[:12] + chunk + struct.pack(">I", zlib.crc32(chunk)) + real[33:]


@pytest.mark.parametrize(("data", "kind", "problem"), [
    (b"\x89PNG\r\n\x1a\n" + b"junk" * 100, "image", "could not be decoded"),
    (_png_claiming(20000, 20000), "image", "over the cap"),
    (_png_claiming(12000, 12000), "image", "over the cap"),
    (b"ID3" + bytes(random.Random(1).randrange(256) for _ in range(4000)), "audio",
     "could not be decoded"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000, "video", "could not be decoded"),
])
def test_media_are_decoded_and_verified_before_they_are_stored(
        data: bytes, kind: str, problem: str) -> None:
    # Seen in a hostile test: a PNG signature followed by junk was stored and exported; a
    # 12000x12000 JPEG took 745 MB; a 20000x20000 one gave an internal error.
    with pytest.raises(ProviderError, match=problem) as caught:
        _normalize(data, kind)
    assert not caught.value.retryable


def test_real_audio_and_video_pass_the_probe_with_their_length() -> None:
    from moviebuild.providers.media_format import probe_media

    assert probe_media(mp3_bytes(1.0), "audio") == pytest.approx(1.0, abs=0.2)
    assert probe_media(mp4_bytes(1.0), "video") == pytest.approx(1.0, abs=0.2)
