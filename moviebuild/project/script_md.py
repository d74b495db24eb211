"""The text format of ``prompts/``: ``script.md`` with its ``# Title``, ``# Summary`` and
``# Segment N`` sections, and the one normalisation under which a file read back equals what was
written. It does not touch the disk; prompts.py does.

Any text round-trips through script.md: a line of a section that would read as a marker (it
starts with ``#``, after any backslashes) is written with one more leading backslash, and
reading removes one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from moviebuild.errors import ConfigError, SourceLocation
from moviebuild.graph import NodeId

_ESCAPED = re.compile(r"\\*#")
_UNESCAPE = re.compile(r"\\+#")
_SEGMENT_NUMBER = re.compile(r"[0-9]{1,3}")


def normalize_text(text: str) -> str:
    """Text as a text editor may leave it: ``\\n`` line endings, no whitespace at the end of a
    line or around the whole. Generated text and text read back are compared in this form."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def decode_text(data: bytes, path: Path | str) -> str:
    """UTF-8 file contents (a byte order mark is dropped); anything else is a ConfigError naming
    the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            location=SourceLocation(path, line),
            hint="save it as UTF-8 in your editor, or delete it to get the generated text back",
        ) from None


def _section_title(artifact_id: NodeId) -> str:
    if artifact_id.name == "MovieTitle":
        return "Title"
    if artifact_id.name == "MovieSummary":
        return "Summary"
    return f"Segment {artifact_id.index[0]}"


def _escape(text: str) -> str:
    return "\n".join(
        "\\" + line if _ESCAPED.match(line) else line for line in normalize_text(text).split("\n")
    )


def render_script(values: Mapping[NodeId, str]) -> str:
    """script.md holding ``values`` (title, summary, narrations), in that order."""
    ordered = sorted(
        values, key=lambda a: (a.name != "MovieTitle", a.name != "MovieSummary", a.index)
    )
    parts = [f"# {_section_title(a)}\n\n{_escape(values[a])}\n" for a in ordered]
    return "\n".join(parts)


def parse_script(text: str, path: Path | str) -> dict[NodeId, str]:
    """Sections of script.md; a line that looks like a broken marker is an error with file:line."""
    sections: dict[NodeId, list[str]] = {}
    current: NodeId | None = None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            current = _marker(line, path, number)
            if current in sections:
                raise ConfigError(
                    f"section '{line.strip()}' appears twice",
                    location=SourceLocation(path, number, 1),
                    hint="keep one section per segment; merge the two texts",
                )
            sections[current] = []
            continue
        if current is None:
            if line.strip():
                raise ConfigError(
                    "text before the first section marker",
                    location=SourceLocation(path, number, 1),
                    hint="start the file with `# Title`",
                )
            continue
        sections[current].append(line[1:] if _UNESCAPE.match(line) else line)
    return {slot: normalize_text("\n".join(lines)) for slot, lines in sections.items()}


def _marker(line: str, path: Path | str, number: int) -> NodeId:
    words = line.lstrip("#").split()
    if line.startswith("# ") and words == ["Title"]:
        return NodeId("MovieTitle")
    if line.startswith("# ") and words == ["Summary"]:
        return NodeId("MovieSummary")
    if (
        line.startswith("# ")
        and len(words) == 2
        and words[0] == "Segment"
        and _SEGMENT_NUMBER.fullmatch(words[1])
    ):
        return NodeId("SegmentNarration", (int(words[1]),))
    raise ConfigError(
        f"'{line.strip()[:60]}' is not a section marker",
        location=SourceLocation(path, number, 1),
        hint="markers are `# Title`, `# Summary` and `# Segment N` (N in digits 0-9) on a line "
        "of their own; start a narration line that begins with # with a backslash: \\#",
    )
