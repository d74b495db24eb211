"""MP3 encoding through ffmpeg, MP3 duration by reading frame headers, and the word timings a
narration MP3 carries in an ID3v2 tag, for the offline providers and the assembler.

It owns the one set of encoder arguments every offline MP3 is made with (44.1 kHz libmp3lame,
bit-exact, no tags that vary between runs); it does not decide what the audio contains.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from moviebuild.errors import MediaError
from moviebuild.media.ffmpeg import run_ffmpeg

MP3_SAMPLE_RATE_HZ = 44_100

# Bit-exact muxing replaces the encoder version in the LAME tag with a fixed string and drops
# timestamps; ID3 tags would otherwise carry the ffmpeg version. LAME quality 7 is about twice
# as fast as the default and indistinguishable for narration and a music bed.
_MP3_OUTPUT_ARGS = [
    "-ar", str(MP3_SAMPLE_RATE_HZ),
    "-c:a", "libmp3lame",
    "-compression_level", "7",
    "-map_metadata", "-1",
    "-fflags", "+bitexact",
    "-flags:a", "+bitexact",
    "-id3v2_version", "0",
    "-write_id3v1", "0",
]  # fmt: skip

# Bitrates in kbit/s by [MPEG-1?][layer 1..3][index]; index 0 (free format) is unsupported.
_BITRATES_KBPS = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES_HZ = {
    3: (44_100, 48_000, 32_000),
    2: (22_050, 24_000, 16_000),
    0: (11_025, 12_000, 8_000),
}
_LAME_TAG_NAMES = (b"LAME", b"Lavf", b"Lavc")


def render_mp3(
    input_args: list[str],
    *,
    what: str,
    input_bytes: bytes | None = None,
    bitrate_kbps: int = 128,
    extra_args: list[str] | None = None,
) -> bytes:
    """Run ffmpeg on ``input_args`` (inputs and filters) and return the result as an MP3.

    The output goes through a temporary file rather than a pipe so ffmpeg can go back and fill
    in the Xing/LAME header (frame count, encoder delay and padding) that exact durations need.
    """
    with tempfile.TemporaryDirectory(prefix="moviebuild-mp3-") as folder:
        out_path = Path(folder) / "out.mp3"
        args = [*input_args, *(extra_args or []), *_MP3_OUTPUT_ARGS, "-b:a", f"{bitrate_kbps}k"]
        run_ffmpeg(
            ["-y", *args, "-f", "mp3", str(out_path)],
            what=what,
            input_bytes=input_bytes,
        )
        return out_path.read_bytes()


def encode_mp3(pcm: bytes, *, sample_rate: int, channels: int, bitrate_kbps: int = 128) -> bytes:
    """Encode signed 16-bit little-endian PCM as a 44.1 kHz MP3 (resampling if needed)."""
    if sample_rate <= 0 or channels not in (1, 2):
        raise MediaError(f"cannot encode PCM at {sample_rate} Hz with {channels} channels")
    if len(pcm) % (2 * channels):
        raise MediaError("PCM data does not hold a whole number of 16-bit sample frames")
    return render_mp3(
        ["-f", "s16le", "-ar", str(sample_rate), "-ac", str(channels), "-i", "pipe:0"],
        what="an MP3 from PCM",
        input_bytes=pcm,
        bitrate_kbps=bitrate_kbps,
    )


def mp3_duration_s(data: bytes) -> float:
    """Playing time of an MP3 in seconds, from its frame headers alone (no decoding).

    Skips an ID3v2 tag and a Xing/Info frame; when that frame carries a LAME tag, the encoder
    delay and padding it records are subtracted, as decoders do.
    """
    offset = _skip_id3v2(data)
    frame_count = 0
    samples_per_frame = 0
    sample_rate = 0
    trim_samples = 0
    end = len(data) - 128 if data[-128:-125] == b"TAG" else len(data)
    while offset + 4 <= end:
        header = _parse_frame_header(data, offset)
        if header is None:
            offset += 1
            continue
        frame_bytes, spf, rate, side_info_bytes = header
        if offset + frame_bytes > end:
            break
        if frame_count == 0 and sample_rate == 0:
            sample_rate, samples_per_frame = rate, spf
            info_trim = _info_frame_trim(data, offset, side_info_bytes, offset + frame_bytes)
            if info_trim is not None:
                trim_samples = info_trim
                offset += frame_bytes
                continue
        frame_count += 1
        offset += frame_bytes
    if frame_count == 0:
        raise MediaError("the data holds no MPEG audio frames; it is not an MP3")
    return max(0, frame_count * samples_per_frame - trim_samples) / sample_rate


def _skip_id3v2(data: bytes) -> int:
    if len(data) < 10 or data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    has_footer = bool(data[5] & 0x10)
    return 10 + size + (10 if has_footer else 0)


def _parse_frame_header(data: bytes, offset: int) -> tuple[int, int, int, int] | None:
    """(frame bytes, samples per frame, sample rate, side-info bytes), or None if no frame here."""
    b0, b1, b2, b3 = data[offset : offset + 4]
    if b0 != 0xFF or (b1 & 0xE0) != 0xE0:
        return None
    version = (b1 >> 3) & 0x3
    layer = 4 - ((b1 >> 1) & 0x3)
    bitrate_index = b2 >> 4
    rate_index = (b2 >> 2) & 0x3
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate_bps = _BITRATES_KBPS[(mpeg1, layer)][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES_HZ[version][rate_index]
    padding = (b2 >> 1) & 0x1
    if layer == 1:
        return (12 * bitrate_bps // sample_rate + padding) * 4, 384, sample_rate, 0
    samples_per_frame = 1152 if layer == 2 or mpeg1 else 576
    frame_bytes = samples_per_frame // 8 * bitrate_bps // sample_rate + padding
    mono = (b3 >> 6) == 3
    side_info_bytes = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    return frame_bytes, samples_per_frame, sample_rate, side_info_bytes


def _info_frame_trim(data: bytes, offset: int, side_info_bytes: int, frame_end: int) -> int | None:
    """Samples to trim (encoder delay + padding) if the frame at ``offset`` is a Xing/Info frame.

    Returns None for an ordinary audio frame, 0 for a Xing/Info frame without a LAME tag.
    """
    tag_at = offset + 4 + side_info_bytes
    tag = data[tag_at : tag_at + 4]
    if tag not in (b"Xing", b"Info"):
        return None if data[offset + 36 : offset + 40] != b"VBRI" else 0
    flags = int.from_bytes(data[tag_at + 4 : tag_at + 8], "big")
    lame_at = tag_at + 8
    lame_at += 4 if flags & 0x1 else 0  # frame count
    lame_at += 4 if flags & 0x2 else 0  # byte count
    lame_at += 100 if flags & 0x4 else 0  # seek table
    lame_at += 4 if flags & 0x8 else 0  # quality
    if lame_at + 24 > frame_end or data[lame_at : lame_at + 4] not in _LAME_TAG_NAMES:
        return 0
    delay_padding = int.from_bytes(data[lame_at + 21 : lame_at + 24], "big")
    return (delay_padding >> 12) + (delay_padding & 0xFFF)


WORD_TIMES_TAG = "moviebuild:word-times"
"""The ID3v2 TXXX description under which a narration MP3 carries, per sentence spoken, its
words' [start, end, sounds] (seconds, seconds, phoneme count) as JSON, for captions timed as
spoken. Players ignore it."""

SpokenSentences = list[list[tuple[float, float, int]]]


def tag_word_times(mp3: bytes, sentences: SpokenSentences) -> bytes:
    """``mp3`` with an ID3v2.4 tag holding ``sentences`` (replacing any ID3v2 tag it had)."""
    import json

    value = json.dumps([[list(word) for word in words] for words in sentences],
                       separators=(",", ":"))  # fmt: skip
    body = b"\x03" + WORD_TIMES_TAG.encode() + b"\x00" + value.encode()
    frame = b"TXXX" + _syncsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame + mp3[_skip_id3v2(mp3) :]


def read_word_times(data: bytes) -> SpokenSentences | None:
    """The sentences of words ``tag_word_times`` put in ``data``, or None when it has none."""
    import json

    if len(data) < 10 or data[:3] != b"ID3" or data[3] != 4:
        return None
    end = _skip_id3v2(data)
    at = 10
    while at + 10 <= end:
        frame_id, size = data[at : at + 4], _unsyncsafe(data[at + 4 : at + 8])
        body = data[at + 10 : at + 10 + size]
        at += 10 + size
        if frame_id != b"TXXX" or not body.startswith(b"\x03"):
            continue
        description, _, value = body[1:].partition(b"\x00")
        if description.decode(errors="replace") != WORD_TIMES_TAG:
            continue
        try:
            return [
                [(float(start), float(stop), int(sounds)) for start, stop, sounds in words]
                for words in json.loads(value)
            ]
        except (ValueError, TypeError):
            return None
    return None


def _syncsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _unsyncsafe(data: bytes) -> int:
    size = 0
    for byte in data:
        size = (size << 7) | (byte & 0x7F)
    return size
