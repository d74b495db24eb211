"""The TranslationProducer's builder: every narration reaches its template, and the answer fills
the translated title and narrations in the order the translation job produces them."""

from __future__ import annotations

import pytest

from moviebuild.config.enums import Role
from moviebuild.errors import ProviderError
from moviebuild.graph import Job, NodeId
from moviebuild.producers import text_builder

NARRATIONS = ("Tea came from China.", "It went west by sea.", "Now it is everywhere.")
JOB = Job(
    NodeId("TranslationProducer"), "TranslationProducer", Role.TEXT, 1,
    ("translate_from", "language", "audience", "duration"),
    (NodeId("MovieTitle"), *(NodeId("SegmentNarration", (i,)) for i in (1, 2, 3))),
    (NodeId("TranslatedTitle"), *(NodeId("TranslatedNarration", (i,)) for i in (1, 2, 3))),
    20,
)  # fmt: skip
INPUTS = {
    NodeId("MovieTitle"): b"Tea",
    **{NodeId("SegmentNarration", (i,)): t.encode() for i, t in enumerate(NARRATIONS, start=1)},
}


def test_the_template_gets_the_title_and_every_narration_numbered() -> None:
    variables = text_builder(JOB).variables(JOB, {"language": "es"}, INPUTS)
    assert variables["title"] == "Tea"
    assert variables["narrations"] == list(NARRATIONS)
    assert variables["segments"] == 3
    assert variables["numbered_narrations"].splitlines() == [
        f"{n}. {t}" for n, t in enumerate(NARRATIONS, start=1)
    ]


def test_the_answer_fills_the_translated_title_then_each_narration() -> None:
    builder = text_builder(JOB)
    schema = builder.counted_schema(JOB)["properties"]["segments"]
    assert (schema["minItems"], schema["maxItems"]) == (3, 3)
    answer = {"title": "Té", "segments": [{"narration": f"Uno {i}."} for i in (1, 2, 3)]}
    assert builder.outputs(JOB, answer) == {
        NodeId("TranslatedTitle"): "Té".encode(),
        **{NodeId("TranslatedNarration", (i,)): f"Uno {i}.".encode() for i in (1, 2, 3)},
    }


def test_an_answer_missing_a_narration_is_refused() -> None:
    answer = {"title": "Té", "segments": [{"narration": "Uno."}]}
    with pytest.raises(ProviderError, match="1 segments instead of 3"):
        text_builder(JOB).outputs(JOB, answer)
