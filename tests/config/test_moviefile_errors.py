"""Each bad Moviefile gives one ConfigError with file:line:column and a hint; the CLI exits 2
with that message and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from moviebuild.config.load import parse_moviefile
from moviebuild.errors import ConfigError

GOOD = "inquiry: Tell me about tides\nduration: 60\n"

CASES = [
    ("duration 65", "inquiry: x\nduration: 65\n", 2, "multiple of 10", None),
    ("duration 0", "inquiry: x\nduration: 0\n", 2, "out of range", None),
    ("duration 310", "inquiry: x\nduration: 310\n", 2, "out of range", None),
    ("images 6", GOOD + "images_per_segment: 6\n", 3, "out of range", None),
    ("unknown audience", GOOD + "audience: adultz\n", 3, "unknown value 'adultz'", "adults"),
    (
        "misspelt key",
        GOOD + "imags_per_segment: 2\n",
        3,
        "unknown key 'imags_per_segment'",
        "images_per_segment",
    ),
    ("segment 31", GOOD + "segments:\n  31: {use_video: true}\n", 4, "no segment 31", None),
    ("string for number", "inquiry: x\nduration: sixty\n", 2, "expected a whole number", None),
    ("empty inquiry", "inquiry: '   '\nduration: 60\n", 1, "inquiry", None),
    ("yaml syntax", "inquiry: x\nduration: [60\n", 3, "YAML syntax error", None),
    (
        "unknown provider",
        GOOD + "providers:\n  image: {adapter: opnai}\n",
        4,
        "unknown provider",
        None,
    ),
    (
        "unknown provider role",
        GOOD + "providers:\n  imagez: {adapter: openai}\n",
        4,
        "neither a role nor a producer",
        "image",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "words", "hint"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_moviefile_names_file_line_and_problem(
    text: str, line: int, words: str, hint: str | None
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_moviefile(text, "Moviefile.yaml")
    error = caught.value
    assert words in error.message
    assert error.location is not None and error.location.line == line
    assert str(error).startswith(f"Moviefile.yaml:{line}:")
    if hint:
        assert hint in (error.hint or "")


@pytest.mark.parametrize("text", [case[1] for case in CASES], ids=[case[0] for case in CASES])
def test_cli_prints_one_message_and_exits_2_without_traceback(tmp_path: Path, text: str) -> None:
    (tmp_path / "Moviefile.yaml").write_text(text)
    _register()
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "--dry-run"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.startswith("error: ")
    assert f"{tmp_path / 'Moviefile.yaml'}:" in result.output


def test_missing_moviefile_hints_at_init(tmp_path: Path) -> None:
    _register()
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "--dry-run"])
    assert result.exit_code == 2
    assert "no Moviefile.yaml" in result.output
    assert "moviebuild init" in result.output


def test_valid_moviefile_has_defaults() -> None:
    moviefile = parse_moviefile(GOOD)
    assert moviefile.segment_count == 6
    assert moviefile.images_per_segment == 3
    assert moviefile.frame_size() == (1280, 720)
