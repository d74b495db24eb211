"""espeak-ng through its C library (Debian's libespeak-ng1), with the time of every word.

It owns finding the library, asking it which voices it has, and one utterance's synthesis in a
fresh process with its word events turned into timed words. It does not choose voices or
engines (speech.py does) nor encode audio. The library is GPL-3.0-or-later and loaded, not
linked into moviebuild; Debian's `espeak-ng` package brings it with its voices.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import json
import re
import subprocess
import sys
import threading
from dataclasses import dataclass

from moviebuild.errors import MediaError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_EVENT_WORD, _EVENT_SENTENCE = 1, 2
_LOCK = threading.Lock()
_LETTER = re.compile(r"[^\W_]")
_SILENT_BELOW = 300
"""Samples quieter than this (of 32767) end a word's sound."""
UNREADABLE = frozenset({"ja"})
"""Languages espeak-ng lists but cannot read in their own script: its Japanese voice names
each kanji instead of reading it, so Japanese is left to a real Japanese voice."""

# Runs in a fresh process per utterance: espeak-ng keeps wave state (pitch flutter, noise) in C
# globals from one utterance to the next, so only a fresh process speaks the same bytes every
# time. Prints a JSON line of [event type, ms, character index] per word and sentence, then PCM.
_BOOTSTRAP = r"""
import ctypes, json, sys
path, voice, rate, pitch = sys.argv[1:5]
class Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]
class Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("uid", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int),
                ("sample", ctypes.c_int), ("user_data", ctypes.c_void_p), ("id", Id)]
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                            ctypes.POINTER(Event))
lib = ctypes.CDLL(path)
lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
lib.espeak_SetSynthCallback.argtypes = [CALLBACK]
lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                             ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
chunks, events = [], []
def collect(wav, count, event):
    at = 0
    while event[at].type != 0:
        if event[at].type in (1, 2):
            events.append([event[at].type, event[at].audio_position, event[at].text_position - 1])
        at += 1
    if count > 0 and wav:
        chunks.append(ctypes.string_at(wav, 2 * count))
    return 0
callback = CALLBACK(collect)
if lib.espeak_Initialize(2, 0, None, 0x8000) <= 0 or lib.espeak_SetVoiceByName(voice.encode()):
    sys.exit("espeak-ng has no voice " + voice)
lib.espeak_SetParameter(1, int(rate), 0)
lib.espeak_SetParameter(3, int(pitch), 0)
lib.espeak_SetSynthCallback(callback)
text = sys.stdin.buffer.read()
if lib.espeak_Synth(text, len(text) + 1, 0, 1, 0, 1, None, None):
    sys.exit("espeak_Synth failed")
sys.stdout.buffer.write(json.dumps(events).encode() + b"\n" + b"".join(chunks))
"""


@dataclass(frozen=True)
class Espeak:
    """The library's path, its version and sample rate."""

    path: str
    version: str
    sample_rate_hz: int
    library: ctypes.CDLL


@dataclass(frozen=True)
class EspeakSpeech:
    """16-bit mono PCM and, per sentence, its words' (start s, end s, letters)."""

    pcm: bytes
    sample_rate_hz: int
    sentences: list[list[tuple[float, float, int]]]


@functools.cache
def load_espeak() -> Espeak | None:
    """The espeak-ng library, initialised once in this process to answer questions about its
    voices (it speaks only in fresh processes); None when it is not installed."""
    name = ctypes.util.find_library("espeak-ng")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    library.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    library.espeak_Info.restype = ctypes.c_char_p
    library.espeak_Info.argtypes = [ctypes.c_void_p]
    library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    with _LOCK:
        rate = library.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_DONT_EXIT)
        if rate <= 0:
            return None
        version = (library.espeak_Info(None) or b"?").decode(errors="replace")
    return Espeak(name, version.split()[0], rate, library)


@functools.cache
def espeak_has_voice(name: str) -> bool:
    """Whether espeak-ng has a voice called ``name`` (``es``, ``pt-br``) that reads its script."""
    espeak = load_espeak()
    if espeak is None or name.split("-")[0] in UNREADABLE:
        return False
    with _LOCK:
        return int(espeak.library.espeak_SetVoiceByName(name.encode())) == 0


def espeak_speak(text: str, *, voice: str, words_per_minute: int, pitch: int) -> EspeakSpeech:
    """``text`` spoken by espeak-ng's ``voice`` (``es+f3``), with its words' times."""
    espeak = load_espeak()
    if espeak is None:
        raise MediaError(
            "espeak-ng is not installed", hint="apt-get install espeak-ng (Debian, Ubuntu)"
        )
    command = [sys.executable, "-I", "-S", "-c", _BOOTSTRAP, espeak.path, voice,
               str(words_per_minute), str(pitch)]  # fmt: skip
    try:
        done = subprocess.run(command, input=text.encode(), capture_output=True, check=False)
    except OSError as exc:
        raise MediaError(f"could not start espeak-ng: {exc}") from exc
    header, _, pcm = done.stdout.partition(b"\n")
    if done.returncode != 0 or len(pcm) < 2:
        tail = " | ".join(done.stderr.decode(errors="replace").strip().splitlines()[-3:])
        raise MediaError(f"espeak-ng failed to synthesise speech: {tail or 'no audio'}")
    pcm = pcm[: len(pcm) // 2 * 2]
    events = [(int(kind), int(ms), int(at)) for kind, ms, at in json.loads(header)]
    return EspeakSpeech(pcm, espeak.sample_rate_hz, _sentences(text, events, pcm, espeak))


def _sentences(
    text: str, events: list[tuple[int, int, int]], pcm: bytes, espeak: Espeak
) -> list[list[tuple[float, float, int]]]:
    """Words grouped by sentence: each from its word event to the next word's start (or to the
    end of the sound), with as many sounds as it has letters."""
    end_s = _sound_end(pcm) / espeak.sample_rate_hz
    grouped: list[list[tuple[float, int]]] = []
    for kind, ms, position in events:
        if kind == _EVENT_SENTENCE or not grouped:
            grouped.append([])
        if kind == _EVENT_WORD:
            grouped[-1].append((ms / 1000, max(1, _letters(text, position))))
    starts = [start for sentence in grouped for start, _ in sentence]
    ends = iter([*starts[1:], max(end_s, starts[-1] if starts else 0.0)])
    result = []
    for sentence in grouped:
        words = []
        for start, letters in sentence:
            end = next(ends)
            words.append((round(start, 4), round(max(end, start + 0.01), 4), letters))
        if words:
            result.append(words)
    return result


def _letters(text: str, position: int) -> int:
    word = re.match(r"\S+", text[max(0, position) :])
    return len(_LETTER.findall(word.group())) if word else 1


def _sound_end(pcm: bytes) -> int:
    """The sample after the last one louder than a whisper."""
    samples = memoryview(pcm).cast("h")
    end = len(samples)
    while end > 0 and abs(samples[end - 1]) < _SILENT_BELOW:
        end -= 1
    return end
