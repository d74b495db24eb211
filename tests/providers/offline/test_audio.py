"""MP3 encoding through ffmpeg and MP3 durations read from frame headers alone."""

from __future__ import annotations

import array
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from moviebuild.errors import MediaError
from moviebuild.media.ffmpeg import find_ffmpeg, media_duration_s, run_ffmpeg
from moviebuild.providers.offline.audio import encode_mp3, mp3_duration_s


def _sine_pcm(duration_s: float, *, sample_rate: int, channels: int) -> bytes:
    samples = array.array(
        "h",
        (
            round(8000 * math.sin(2 * math.pi * 440 * (i // channels) / sample_rate))
            for i in range(round(duration_s * sample_rate) * channels)
        ),
    )
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def _decoded(path: Path) -> str:
    """ffmpeg's report of decoding ``path``: stream description and progress lines."""
    command = [find_ffmpeg(), "-hide_banner", "-i", str(path), "-f", "null", "-"]
    done = subprocess.run(command, capture_output=True, check=True)
    return done.stderr.decode(errors="replace")


@pytest.mark.parametrize(("sample_rate", "channels"), [(16_000, 1), (22_050, 2), (44_100, 1)])
def test_pcm_becomes_a_44_1_khz_mp3_of_the_same_length(
    tmp_path: Path, sample_rate: int, channels: int
) -> None:
    path = tmp_path / "tone.mp3"
    path.write_bytes(
        encode_mp3(_sine_pcm(1.5, sample_rate=sample_rate, channels=channels),
                   sample_rate=sample_rate, channels=channels)
    )  # fmt: skip
    report = _decoded(path)
    assert re.search(r"Audio: mp3.*44100 Hz", report)
    assert ("stereo" if channels == 2 else "mono") in report
    assert media_duration_s(path) == pytest.approx(1.5, abs=0.1)
    assert mp3_duration_s(path.read_bytes()) == pytest.approx(media_duration_s(path), abs=0.05)


def test_encoding_twice_gives_identical_bytes() -> None:
    pcm = _sine_pcm(1.0, sample_rate=16_000, channels=1)
    first = encode_mp3(pcm, sample_rate=16_000, channels=1)
    assert encode_mp3(pcm, sample_rate=16_000, channels=1) == first


def test_the_mp3_carries_no_tags_or_version_strings() -> None:
    data = encode_mp3(
        _sine_pcm(0.5, sample_rate=16_000, channels=1), sample_rate=16_000, channels=1
    )
    assert not data.startswith(b"ID3")
    assert data[-128:-125] != b"TAG"
    assert re.search(rb"Lav[cf]\d", data) is None


def test_the_duration_skips_an_id3v2_tag(tmp_path: Path) -> None:
    data = encode_mp3(
        _sine_pcm(1.0, sample_rate=16_000, channels=1), sample_rate=16_000, channels=1
    )
    body = b"\x00" * 300
    tagged = b"ID3\x04\x00\x00" + bytes([0, 0, 300 >> 7, 300 & 0x7F]) + body + data
    assert mp3_duration_s(tagged) == mp3_duration_s(data)
    path = tmp_path / "tagged.mp3"
    path.write_bytes(tagged)
    assert mp3_duration_s(tagged) == pytest.approx(media_duration_s(path), abs=0.05)


def test_the_duration_of_an_mp3_without_an_info_frame_counts_every_frame(tmp_path: Path) -> None:
    path = tmp_path / "plain.mp3"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=f=300:d=2.3:r=44100", "-c:a", "libmp3lame", "-b:a", "96k",
         "-write_xing", "0", "-id3v2_version", "0", "-y", str(path)],
        what="a test MP3",
    )  # fmt: skip
    data = path.read_bytes()
    assert mp3_duration_s(data) == pytest.approx(media_duration_s(path), abs=0.05)
    assert mp3_duration_s(data) * 44_100 % 1152 == pytest.approx(0, abs=1e-6)


def test_data_without_mpeg_frames_is_a_media_error() -> None:
    with pytest.raises(MediaError):
        mp3_duration_s(b"RIFF" + bytes(4000))


@pytest.mark.parametrize(
    ("pcm", "sample_rate", "channels"),
    [(b"\x00\x00", 0, 1), (b"\x00\x00", 8000, 3), (b"\x00", 8000, 1)],
)
def test_impossible_pcm_is_a_media_error(pcm: bytes, sample_rate: int, channels: int) -> None:
    with pytest.raises(MediaError):
        encode_mp3(pcm, sample_rate=sample_rate, channels=channels)
