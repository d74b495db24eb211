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
