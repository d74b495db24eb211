"""Source credits come from the research notes' Sources list and the narrations' citations."""

from __future__ import annotations

from moviebuild.timeline.credits import source_credits

NOTES = """# Notes

- A fact. [1]
- Another fact. [2]

## Sources

[1] Keepers of the light - keepers.md
[2] The Pharos - https://example.org/pharos.html
[3] Unused - notes.txt
"""


def test_credits_name_each_source_and_the_segments_citing_it() -> None:
    credits = source_credits(NOTES, {1: "Welcome.", 2: "A fact [1] and [1].", 3: "[2] then [1]"})
    assert [(c.number, c.title, c.file, c.url, c.segments) for c in credits] == [
        (1, "Keepers of the light", "keepers.md", None, (2, 3)),
        (2, "The Pharos", None, "https://example.org/pharos.html", (3,)),
        (3, "Unused", "notes.txt", None, ()),
    ]


def test_notes_without_a_sources_list_credit_nothing() -> None:
    assert source_credits("- A fact. [1]", {2: "A fact. [1]"}) == ()
