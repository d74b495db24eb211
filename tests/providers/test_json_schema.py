"""The tiny JSON Schema checker, on the producers' real schemas."""

from __future__ import annotations

from typing import Any

import pytest

from moviebuild.producers import SCHEMAS
from moviebuild.providers.json_schema import schema_errors
from moviebuild.providers.offline import text

SCRIPT = SCHEMAS["ScriptProducer"]


@pytest.mark.parametrize("producer", sorted(SCHEMAS))
def test_the_offline_writers_answers_fit_every_producer_schema(producer: str) -> None:
    variables = {"inquiry": "the history of tea", "audience": "adults", "language": "en",
                 "duration": 30, "segments": 3, "images_per_segment": 2,
                 "image_style": "watercolor", "summary": "Tea.", "segment": 1,
                 "narration": "Tea came from China.", "title": "Tea",
                 "narrations": ["Tea came from China.", "It went west.", "Now it is everywhere."],
                 "translate_from": "es",
                 "sources": "[1] Tea\nTea came from China. Tea went west by sea."}
    assert schema_errors(text.answer(producer, variables), SCHEMAS[producer]) == []


@pytest.mark.parametrize(("value", "problem"), [
    ([], "$: expected object, got array"),
    ({"title": "T", "summary": "S"}, "$: missing required property 'segments'"),
    ({"title": "T", "summary": "S", "segments": [], "extra": 1}, "$: unexpected property 'extra'"),
    ({"title": "", "summary": "S", "segments": []}, "$.title: must have at least 1 characters"),
    ({"title": "T", "summary": "S", "segments": [{"narration": 3}]},
     "$.segments[0].narration: expected string, got integer"),
    ({"title": "T", "summary": "S", "segments": {"narration": "x"}},
     "$.segments: expected array, got object"),
])
def test_each_broken_rule_is_reported_with_its_path(value: Any, problem: str) -> None:
    assert problem in schema_errors(value, SCRIPT)


def test_booleans_are_not_numbers_and_enums_and_item_counts_are_checked() -> None:
    assert schema_errors(True, {"type": "integer"}) == ["$: expected integer, got boolean"]
    assert schema_errors("c", {"enum": ["a", "b"]}) == ["$: 'c' is not one of ['a', 'b']"]
    assert schema_errors([], {"type": "array", "minItems": 1}) == [
        "$: needs at least 1 items, has 0"]
    assert schema_errors(None, {"type": ["string", "null"]}) == []
