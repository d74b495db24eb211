"""The offline script writer: a deterministic script whose segments do not all end alike."""

from __future__ import annotations

import itertools

import pytest

from moviebuild.providers.offline.text import write_script


@pytest.mark.parametrize("audience", ["kids", "teens", "adults", "academic", "enthusiasts"])
def test_consecutive_segments_never_end_with_the_same_sentence(audience: str) -> None:
    script = write_script(
        {"inquiry": "Tell me about lighthouses", "audience": audience, "segments": 6,
         "language": "en"}
    )  # fmt: skip
    endings = [s["narration"].rsplit(". ", 1)[-1] for s in script["segments"]]
    assert len(endings) == 6
    assert all(a != b for a, b in itertools.pairwise(endings))
    assert len(set(endings)) >= 4
