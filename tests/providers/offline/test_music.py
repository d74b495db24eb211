"""The offline music bed: exact length, 44.1 kHz stereo, moods from the prompt, determinism."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from moviebuild.errors import MediaError
from moviebuild.media.ffmpeg import find_ffmpeg, media_duration_s
from moviebuild.providers.offline.audio import mp3_duration_s
from moviebuild.providers.offline.music import MOODS, mood_for, synthesize_music


@pytest.mark.parametrize(
    ("prompt", "duration_s"),
    [("calm piano underscore", 1.0), ("sad and lonely rain", 7.3), ("epic battle", 30.0)],
)
def test_the_bed_is_44_1_khz_stereo_and_exactly_as_long_as_asked(
    tmp_path: Path, prompt: str, duration_s: float
) -> None:
    path = tmp_path / "music.mp3"
    path.write_bytes(synthesize_music(prompt, duration_s=duration_s))
    report = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-i", str(path), "-af", "volumedetect", "-f", "null", "-"],
        capture_output=True,
        check=True,
    ).stderr.decode()
    assert re.search(r"Audio: mp3.*44100 Hz, stereo", report)
    assert media_duration_s(path) == pytest.approx(duration_s, abs=0.1)
    assert mp3_duration_s(path.read_bytes()) == pytest.approx(media_duration_s(path), abs=0.05)
    max_volume_db = float(re.findall(r"max_volume: (-?[\d.]+) dB", report)[-1])
    assert -20.0 < max_volume_db < 0.0  # audible, not clipped


def test_the_same_prompt_and_seed_give_identical_bytes() -> None:
    first = synthesize_music("upbeat fun adventure", duration_s=4.0, seed=2)
    assert synthesize_music("upbeat fun adventure", duration_s=4.0, seed=2) == first


def test_another_prompt_or_seed_gives_other_music() -> None:
    base = synthesize_music("calm morning", duration_s=3.0)
    assert synthesize_music("calm evening", duration_s=3.0) != base
    assert synthesize_music("calm morning", duration_s=3.0, seed=1) != base


@pytest.mark.parametrize(
    ("prompt", "mood"),
    [
        ("A calm, peaceful ambient bed", "calm"),
        ("Epic heroic orchestral battle theme", "epic"),
        ("sad melancholy piano", "sad"),
        ("Upbeat and cheerful kids song", "upbeat"),
        ("dark mysterious suspense", "tense"),
        ("dreamy magical wonder", "dreamy"),
    ],
)
def test_mood_words_in_the_prompt_choose_the_mood(prompt: str, mood: str) -> None:
    assert mood_for(prompt).name == mood


def test_a_prompt_without_mood_words_gets_a_stable_mood() -> None:
    assert mood_for("a lighthouse keeper") == mood_for("a lighthouse keeper")
    assert mood_for("a lighthouse keeper").name in MOODS


@pytest.mark.parametrize("duration_s", [0.0, -1.0, float("nan"), 10_000.0])
def test_an_impossible_duration_is_a_media_error(duration_s: float) -> None:
    with pytest.raises(MediaError):
        synthesize_music("calm", duration_s=duration_s)
