"""Offline music: a pad, bass and arpeggio bed whose mood, key and tempo follow the prompt's words.

Eight bars are synthesised by one ffmpeg filter graph (``aevalsrc`` per bar), looped to the
requested length, faded and encoded; nothing is sampled in Python, so long beds stay fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from moviebuild.errors import MediaError
from moviebuild.providers.offline.audio import MP3_SAMPLE_RATE_HZ, render_mp3
from moviebuild.providers.offline.image import prompt_words
from moviebuild.providers.offline.seeds import seed_from

MAX_DURATION_S = 3600.0
_RATE_HZ = 16_000
_BARS = 8
_MAJOR = {"I": (0, 4, 7), "ii": (2, 5, 9), "iii": (4, 7, 11), "IV": (5, 9, 12),
          "V": (7, 11, 14), "vi": (9, 12, 16)}  # fmt: skip
_MINOR = {"i": (0, 3, 7), "III": (3, 7, 10), "iv": (5, 8, 12), "v": (7, 10, 14),
          "VI": (8, 12, 15), "VII": (10, 14, 17)}  # fmt: skip


@dataclass(frozen=True)
class Mood:
    """How a mood plays: tempo, chords (names in ``_MAJOR``/``_MINOR``) and the part levels."""

    name: str
    tempo_bpm: int
    minor: bool
    progression: tuple[str, ...]
    arp_notes_per_beat: int
    bass_notes_per_beat: int
    pad_level: float
    arp_level: float
    bass_level: float


MOODS = {
    mood.name: mood
    for mood in (
        Mood("calm", 72, False, ("I", "vi", "IV", "V"), 2, 1, 0.09, 0.12, 0.18),
        Mood("upbeat", 118, False, ("I", "V", "vi", "IV"), 4, 2, 0.06, 0.15, 0.24),
        Mood("epic", 92, True, ("i", "VI", "III", "VII"), 4, 1, 0.09, 0.13, 0.28),
        Mood("sad", 64, True, ("i", "iv", "VI", "v"), 2, 1, 0.1, 0.11, 0.16),
        Mood("tense", 84, True, ("i", "i", "VI", "v"), 4, 2, 0.07, 0.1, 0.24),
        Mood("dreamy", 68, False, ("I", "iii", "vi", "IV"), 3, 1, 0.1, 0.13, 0.14),
    )
}
_MOOD_WORDS = {
    "calm": "calm peaceful gentle soft quiet serene relaxing ambient warm thoughtful measured",
    "upbeat": "upbeat happy cheerful energetic playful fun bright joyful lively dance kids",
    "epic": "epic heroic grand cinematic battle adventure triumphant powerful dramatic orchestral",
    "sad": "sad melancholy melancholic somber sorrow tragic lonely grief mournful serious",
    "tense": "tense dark mysterious suspense suspenseful ominous eerie horror thriller",
    "dreamy": "dreamy magical whimsical wonder fantasy nostalgic romantic ethereal atmospheric",
}
_WORD_MOODS = {word: mood for mood, words in _MOOD_WORDS.items() for word in words.split()}


def mood_for(prompt: str) -> Mood:
    """The mood a prompt asks for: the most-named mood word, else a stable pick by hash."""
    counts: dict[str, int] = {}
    for word in prompt_words(prompt):
        if word in _WORD_MOODS:
            counts[_WORD_MOODS[word]] = counts.get(_WORD_MOODS[word], 0) + 1
    if counts:
        return MOODS[max(counts, key=lambda name: counts[name])]
    names = sorted(MOODS)
    return MOODS[names[seed_from("mood", prompt) % len(names)]]


def synthesize_music(prompt: str, *, duration_s: float, seed: int = 0) -> bytes:
    """A 44.1 kHz stereo MP3 music bed of ``duration_s`` seconds in the prompt's mood."""
    if not (0 < duration_s <= MAX_DURATION_S) or math.isnan(duration_s):
        raise MediaError(
            f"cannot make {duration_s} s of music",
            hint=f"ask for a duration between 0 and {MAX_DURATION_S:.0f} seconds",
        )
    mood = mood_for(prompt)
    variation = seed_from("music", prompt, seed)
    key_semitones = seed_from("key", prompt) % 12
    tempo_bpm = mood.tempo_bpm + variation % 7 - 3
    beat_s = 60.0 / tempo_bpm
    # Bars of a whole number of 20-sample blocks make the 8-bar loop a multiple of 160 samples,
    # which resamples to exactly 441 samples per block at 44.1 kHz: the loop stays seamless.
    bar_n = round(4 * beat_s * _RATE_HZ / 20) * 20
    loop_n = _BARS * bar_n * MP3_SAMPLE_RATE_HZ // _RATE_HZ
    total_n = round(duration_s * MP3_SAMPLE_RATE_HZ)
    chords = _MINOR if mood.minor else _MAJOR
    pattern = ((0, 1, 2, 3), (3, 2, 1, 0), (0, 2, 1, 3), (0, 1, 2, 1))[(variation >> 8) % 4]
    sources, bed_labels, arp_labels = [], "", ""
    for bar in range(_BARS):
        chord = chords[mood.progression[bar % len(mood.progression)]]
        lift = 12 if bar >= _BARS // 2 and (variation >> 12) % 2 else 0
        bed, arp = _bar_expressions(mood, chord, key_semitones, beat_s, pattern, lift)
        for name, expression in ((f"bed{bar}", bed), (f"arp{bar}", arp)):
            sources.append(
                f"aevalsrc='{expression}':s={_RATE_HZ}:d={bar_n / _RATE_HZ + 0.01:.4f},"
                f"atrim=end_sample={bar_n}[{name}]"
            )
        bed_labels += f"[bed{bar}]"
        arp_labels += f"[arp{bar}]"
    loop = f"concat=n={_BARS}:v=0:a=1,aresample={MP3_SAMPLE_RATE_HZ},aloop=loop=-1:size={loop_n}"
    echo_ms = round(beat_s / mood.arp_notes_per_beat / 2 * 1000)
    fade_in_s, fade_out_s = min(1.5, duration_s / 4), min(3.0, duration_s / 3)
    # The arpeggio sits left with a half-step echo on the right: stereo width for the price of a
    # delay, applied after looping so that the echo carries over each loop's seam.
    graph = ";".join(
        [
            *sources,
            f"{bed_labels}{loop},asplit[bed_l][bed_r]",
            f"{arp_labels}{loop},asplit[arp_l][arp_echo]",
            f"[arp_echo]adelay={echo_ms},volume=0.7[arp_r]",
            "[bed_l][arp_l]amix=inputs=2:duration=first:normalize=0[left]",
            "[bed_r][arp_r]amix=inputs=2:duration=first:normalize=0[right]",
            f"[left][right]join=inputs=2:channel_layout=stereo,atrim=end_sample={total_n},"
            f"afade=t=in:d={fade_in_s:.3f},"
            f"afade=t=out:st={duration_s - fade_out_s:.3f}:d={fade_out_s:.3f}[music]",
        ]
    )
    return render_mp3(
        ["-filter_complex", graph, "-map", "[music]"],
        what=f"a {duration_s:.1f} s music bed",
    )


def _bar_expressions(
    mood: Mood,
    chord: tuple[int, int, int],
    key_semitones: int,
    beat_s: float,
    pattern: tuple[int, ...],
    lift: int,
) -> tuple[str, str]:
    """Mono ``aevalsrc`` expressions for one bar of ``chord``: (pad and bass, arpeggio)."""
    bar_s = 4 * beat_s
    pad = [_hz(key_semitones + note, octave=3) for note in chord]
    bass = _hz(key_semitones + chord[0], octave=1)
    arp_notes = [*(_hz(key_semitones + n + lift, octave=4) for n in chord), 0.0]
    arp_notes[3] = arp_notes[0] * 2
    arp = [arp_notes[i] for i in pattern]
    arp_step_s = beat_s / mood.arp_notes_per_beat
    bass_step_s = beat_s / mood.bass_notes_per_beat
    pad_sum = (
        "+".join(f"sin(2*PI*{f:.3f}*t)" for f in pad) + f"+0.5*sin(2*PI*{pad[0] * 1.004:.3f}*t)"
    )
    bed = (
        f"{mood.pad_level:.4f}*min(1,t/0.08)*min(1,({bar_s:.5f}-t)/0.08)*({pad_sum})"
        f"+{mood.bass_level}*min(min(1,st(0,mod(t,{bass_step_s:.5f}))*120),({bass_step_s:.5f}-ld(0))*60)"
        f"*exp(-{1.6 / bass_step_s:.3f}*ld(0))*(sin(2*PI*{bass:.3f}*t)+0.4*sin(4*PI*{bass:.3f}*t))"
    )
    choose = f"{arp[-1]:.3f}"
    for index in range(len(arp) - 2, -1, -1):
        choose = f"if(eq(ld(0),{index}),{arp[index]:.3f},{choose})"
    arpeggio = (
        f"st(0,mod(floor(t/{arp_step_s:.5f}),4));st(1,{choose});st(2,mod(t,{arp_step_s:.5f}));"
        f"{mood.arp_level:.4f}*min(min(1,ld(2)*150),({arp_step_s:.5f}-ld(2))*80)"
        f"*exp(-{3.0 / arp_step_s:.3f}*ld(2))"
        f"*(sin(2*PI*ld(1)*t)+0.3*sin(4*PI*ld(1)*t))"
    )
    return bed, arpeggio


def _hz(semitones: int, *, octave: int) -> float:
    """Frequency of the note ``semitones`` above C in ``octave`` (C4 = 261.63 Hz)."""
    return 261.6256 * 2 ** (octave - 4 + semitones / 12)
