"""Source credits: the research notes' ``## Sources`` list, and which segments cite each source.

The notes are a text artifact (``prompts/research.md``, which a person may edit); their last
section lists ``[n] Title - file or URL``, and a narration cites source n by ``[n]``. Reading
sources from the Moviefile is the project's work; this reads only the artifacts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from moviebuild.timeline.model import SourceCredit

_ENTRY = re.compile(r"^\[(\d+)\]\s+(.+?)\s*$", re.MULTILINE)
_HEADING = re.compile(r"^##\s+Sources\s*$", re.MULTILINE | re.IGNORECASE)
_CITATION = re.compile(r"\[(\d+)\]")


def source_credits(notes: str, narrations: Mapping[int, str]) -> tuple[SourceCredit, ...]:
    """The sources the notes list, with the segments (by number) whose narration cites them."""
    heading = _HEADING.search(notes)
    if heading is None:
        return ()
    cited: dict[int, list[int]] = {}
    for segment in sorted(narrations):
        for number in dict.fromkeys(int(n) for n in _CITATION.findall(narrations[segment])):
            cited.setdefault(number, []).append(segment)
    credits = []
    for match in _ENTRY.finditer(notes, heading.end()):
        number = int(match.group(1))
        title, _, place = match.group(2).rpartition(" - ")
        if not title:
            title, place = place, ""
        is_url = place.startswith(("http://", "https://"))
        credits.append(
            SourceCredit(
                number=number,
                title=title,
                url=place if is_url else None,
                file=place if place and not is_url else None,
                segments=tuple(cited.get(number, ())),
            )
        )
    return tuple(credits)
