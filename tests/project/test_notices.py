"""Build notices: a timeline is read in full only when a narration may have been cut."""

from __future__ import annotations

import json

import pytest

from moviebuild.project.notices import _may_cut_narration


def _timeline(*cuts: float | None) -> bytes:
    clips = [{"asset": f"SegmentAudio[{n}]", "segment": n, "start_s": 0.0, "duration_s": 10.0}
             | ({} if cut is None else {"cut_s": cut}) for n, cut in enumerate(cuts, 1)]
    return json.dumps({"format_version": 1, "tracks": {"narration": clips}}).encode()


def test_a_timeline_without_cuts_skips_the_model() -> None:
    assert not _may_cut_narration(_timeline(0.0, None, 0.009))


def test_a_cut_narration_takes_the_full_path() -> None:
    assert _may_cut_narration(_timeline(0.0, 0.31))


@pytest.mark.parametrize(
    "data", [b"not json", b"[]", b'{"tracks": {}}', b'{"tracks": {"narration": [1]}}',
             b'{"tracks": {"narration": [{"cut_s": "x"}]}}'],
)
def test_anything_unexpected_takes_the_full_path(data: bytes) -> None:
    assert _may_cut_narration(data)
