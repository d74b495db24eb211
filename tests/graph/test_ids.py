from __future__ import annotations

import pytest

from moviebuild.errors import GraphError
from moviebuild.graph import NodeId, parse_node_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SegmentImage[3][2]", NodeId("SegmentImage", (3, 2))),
        ("ScriptProducer", NodeId("ScriptProducer")),
        (" AudioProducer[ 4 ] ", NodeId("AudioProducer", (4,))),
    ],
)
def test_ids_parse_and_print_round_trip(text: str, expected: NodeId) -> None:
    parsed = parse_node_id(text)
    assert parsed == expected
    assert parse_node_id(str(parsed)) == parsed


@pytest.mark.parametrize(
    "text",
    [
        "SegmentImage[0]",
        "SegmentImage[x]",
        "[3]",
        "Segment Image",
        "SegmentImage[3",
        "SegmentImage[3]x",
        "",
    ],
)
def test_malformed_ids_are_graph_errors(text: str) -> None:
    with pytest.raises(GraphError):
        parse_node_id(text)
