"""prompts/ through the command line, against hostile text and damaged files: generated text
round-trips byte for byte (no phantom edits), files are replaced atomically, undecodable or
misplaced files give one clear error, and damaged bookkeeping is rebuilt with a notice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from moviebuild.cli.main import _register, cli
from tests.conftest import FAKE_MEDIA, write_moviefile

#: An inquiry the offline writer copies into the title, summary and narrations: Windows line
#: endings, a line separator, trailing spaces and lines that read as script.md markers.
MARKDOWN_INQUIRY = "Tell me about tides\r\n# Segment 1\n## Heading\u2028 and more  \r\nend"


def invoke(folder: Path, *args: str) -> Result:
    _register()
    return CliRunner().invoke(cli, ["-C", str(folder), *args])


def movie(tmp_path: Path, **fields: Any) -> Path:
    fields.setdefault("duration", 20)
    fields.setdefault("images_per_segment", 1)
    fields.setdefault("providers", FAKE_MEDIA)
    return write_moviefile(tmp_path / "movie", **fields).parent


def build(folder: Path, *args: str) -> dict[str, Any]:
    result = invoke(folder, "build", "--json", *args)
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def test_generated_text_with_crlf_and_line_separators_is_not_an_edit(tmp_path: Path) -> None:
    folder = movie(tmp_path, inquiry=MARKDOWN_INQUIRY)
    build(folder)
    again = build(folder)
    assert again["ran"] == {}
    status = json.loads(invoke(folder, "status", "--json").stdout)
    assert edited(status) == [] and status["up_to_date"]


def test_narration_with_markdown_headings_round_trips_through_script_md(tmp_path: Path) -> None:
    folder = movie(tmp_path, inquiry=MARKDOWN_INQUIRY)
    build(folder)
    script = (folder / "prompts" / "script.md").read_text(encoding="utf-8")
    assert "\n\\# Segment 1\n" in script and "\n\\## Heading" in script
    result = invoke(folder, "status")
    assert result.exit_code == 0, result.output
    assert build(folder)["ran"] == {}


def test_an_edited_escaped_line_is_read_back_without_its_backslash(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    build(folder)
    script = folder / "prompts" / "script.md"
    text = script.read_text(encoding="utf-8")
    script.write_text(text.replace("# Segment 2\n\n", "# Segment 2\n\n\\# not a marker\n"))
    summary = build(folder)
    assert summary["ran"].get("AudioProducer") == 1
    status = json.loads(invoke(folder, "status", "--json").stdout)
    assert edited(status) == ["SegmentNarration[2]"]


def test_prompt_files_are_replaced_atomically_never_rewritten_in_place(tmp_path: Path) -> None:
    folder = movie(tmp_path, image_style="watercolor")
    build(folder)
    paths = [
        folder / "prompts" / "segment-01" / "image-1.txt",
        folder / "prompts" / ".generated.json",
        folder / "prompts" / "script.md",
    ]
    before = {path: path.read_bytes() for path in paths}
    handles = {path: path.open("rb") for path in paths}
    try:
        write_moviefile(
            folder,
            inquiry="Tell me about volcanoes",
            duration=20,
            images_per_segment=1,
            image_style="anime",
            providers=FAKE_MEDIA,
        )
        build(folder)
        for path, handle in handles.items():
            assert path.read_bytes() != before[path], path
            assert handle.read() == before[path], f"{path} was rewritten in place"
    finally:
        for handle in handles.values():
            handle.close()


@pytest.mark.parametrize(
    "relative", ["script.md", "segment-01/image-1.txt", "music.txt"], ids=lambda r: r
)
def test_a_prompt_file_that_is_not_utf8_is_a_clear_error(tmp_path: Path, relative: str) -> None:
    folder = movie(tmp_path)
    build(folder)
    path = folder / "prompts" / relative
    path.write_bytes(path.read_bytes() + "caf\xe9\n".encode("latin-1"))
    result = invoke(folder, "build")
    assert result.exit_code == 2, result.output
    assert f"prompts/{relative}:" in result.stderr and "not UTF-8" in result.stderr
    assert "hint: save it as UTF-8" in result.stderr


def test_a_segment_marker_with_a_superscript_digit_is_a_clear_error(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    build(folder)
    script = folder / "prompts" / "script.md"
    script.write_text(script.read_text().replace("# Segment 2", "# Segment \u00b2"))
    result = invoke(folder, "build")
    assert result.exit_code == 2, result.output
    assert "script.md:" in result.stderr and "is not a section marker" in result.stderr


def test_script_md_being_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    build(folder)
    script = folder / "prompts" / "script.md"
    script.unlink()
    script.mkdir()
    result = invoke(folder, "build")
    assert result.exit_code == 2, result.output
    assert "script.md is a folder" in result.stderr and "hint:" in result.stderr


@pytest.mark.parametrize(
    "damage",
    [b"{not json", b"[1, 2]", b'{"generated": [1]}', b"\xff\xfe", b"[" * 100_000],
    ids=["not-json", "a-list", "list-valued", "not-utf8", "deeply-nested"],
)
def test_a_damaged_generated_json_is_rebuilt_with_a_notice(tmp_path: Path, damage: bytes) -> None:
    folder = movie(tmp_path)
    build(folder)
    (folder / "prompts" / ".generated.json").write_bytes(damage)
    summary = build(folder)
    assert any(".generated.json could not be read" in n for n in summary["notices"])
    assert json.loads((folder / "prompts" / ".generated.json").read_text())["generated"]
    assert build(folder)["ran"] == {}


def test_edits_survive_a_damaged_generated_json_and_pin_their_slots(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    build(folder)
    image = folder / "prompts" / "segment-02" / "image-1.txt"
    image.write_text("a lighthouse at dusk\n")
    (folder / "prompts" / ".generated.json").write_text("garbage")
    build(folder)
    assert image.read_text() == "a lighthouse at dusk\n"
    again = build(folder)
    assert again["ran"] == {"TextToImageProducer": 1, "TimelineAssembler": 1}
    status = json.loads(invoke(folder, "status", "--json").stdout)
    assert edited(status) == ["SegmentImagePrompt[2][1]"]


def test_a_non_utf8_outputs_marker_is_rebuilt_with_a_notice(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    build(folder)
    marker = folder / "out" / ".outputs.json"
    for damage in (b"\xff\xfe\x00garbage", b"[" * 100_000):
        marker.write_bytes(damage)
        summary = build(folder)
        assert any(".outputs.json could not be read" in n for n in summary["notices"])
        assert isinstance(json.loads(marker.read_text()), list)


def test_a_huge_edit_is_refused_with_the_stated_limit(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    build(folder)
    (folder / "prompts" / "segment-01" / "image-1.txt").write_text("sea " * 250_000)
    result = invoke(folder, "build")
    assert result.exit_code == 2, result.output
    assert "image-1.txt" in result.stderr
    assert "the text is 999,999 characters long; the limit is 5,000" in result.stderr


def test_a_huge_narration_in_script_md_is_refused(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    build(folder)
    script = folder / "prompts" / "script.md"
    script.write_text(script.read_text() + "word " * 200_000)
    result = invoke(folder, "--dry-run")
    assert result.exit_code == 2, result.output
    assert "SegmentNarration[2]" in result.stderr and "the limit is 5,000" in result.stderr


def test_set_text_that_is_not_utf8_or_too_long_is_refused(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    build(folder)
    undecodable = invoke(folder, "build", "--set", "SegmentNarration[1]=caf\udce9")
    assert undecodable.exit_code == 2, undecodable.output
    assert "SegmentNarration[1] is not valid UTF-8" in undecodable.stderr
    huge = invoke(folder, "build", "--set", "SegmentImagePrompt[1][1]=" + "x" * 1_000_000)
    assert huge.exit_code == 2, huge.output
    assert "the limit is 5,000" in huge.stderr


def test_a_temporary_file_left_by_a_killed_write_is_cleaned_up(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    build(folder)
    torn = folder / "prompts" / "segment-01" / ".moviebuild-tmp-0123456789ab"
    torn.write_text("a half-writ")
    (folder / "prompts" / "music.txt").unlink()
    summary = build(folder)
    assert summary["ran"] == {} and not torn.exists()
    assert (folder / "prompts" / "music.txt").is_file()


def test_a_prompt_file_of_many_megabytes_is_refused_without_reading_it_all(
    tmp_path: Path,
) -> None:
    folder = movie(tmp_path)
    build(folder)
    with (folder / "prompts" / "music.txt").open("wb") as handle:
        handle.truncate(50_000_000)
    result = invoke(folder, "--dry-run")
    assert result.exit_code == 2, result.output
    assert "music.txt: the file is larger than 2 MB" in result.stderr


def edited(state: dict[str, Any]) -> list[str]:
    """The ids of the prompts a MovieState document lists as the user's edits."""
    return [p["id"] for p in state["prompts"] if p["source"] == "edited"]
