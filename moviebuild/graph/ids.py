"""Node ids: a producer or artifact name plus 1-based indices, printed as ``SegmentImage[3][2]``.

``parse_node_id`` is the one parser for ids a person types; nothing else parses ids.
"""

from __future__ import annotations

from typing import NamedTuple

from moviebuild.config.blueprint import split_indexed_name
from moviebuild.config.numbers import ascii_number
from moviebuild.errors import GraphError


class NodeId(NamedTuple):
    """A job or artifact: ``name`` plus indices (segment, then image), all 1-based.

    A named tuple, because ids are hashed and compared constantly while planning.
    """

    name: str
    index: tuple[int, ...] = ()  # type: ignore[assignment]  # shadows tuple.index on purpose

    def __str__(self) -> str:
        return self.name + "".join(f"[{number}]" for number in self.index)

    def __repr__(self) -> str:
        return f"NodeId({self})"

    @property
    def segment(self) -> int | None:
        """The segment this node belongs to, if any."""
        return self.index[0] if self.index else None


def parse_node_id(text: str) -> NodeId:
    """Parse ``SegmentImage[3][2]`` (spaces tolerated); GraphError when malformed."""
    split = split_indexed_name(text)
    if split is None:
        raise GraphError(
            f"'{text}' is not a node id",
            hint="write a name with 1-based indices, e.g. SegmentImage[3][2] or AudioProducer[1]",
        )
    name, parts = split
    numbers = []
    for part in parts:
        number = ascii_number(part, max_digits=9)
        if number is None or number < 1:
            raise GraphError(
                f"'{text}': index '{part}' must be a whole number from 1 (digits 0-9)",
                hint="segments and images are numbered from 1",
            )
        numbers.append(number)
    return NodeId(name, tuple(numbers))
