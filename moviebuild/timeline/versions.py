"""The version of the timeline assembler, part of the assembler job's identity. Kept apart from
``assemble.py`` so a plan reads it without loading assembly, captions and the timeline model."""

from __future__ import annotations

ASSEMBLY_VERSION = 3
"""Bump when the same material assembles differently, so the assembler job reruns.

2: narration clips record ``cut_s``; captions carry per-word timing.
3: music shorter than the movie repeats with crossfades; captions of text without spaces are
timed from the spoken words."""
