"""Only ASCII digits are digits in the ids a person types: a superscript (which passes
``str.isdigit`` but not ``int``), a full-width or an Arabic-Indic digit in ``--set``, ``redo`` or
``explain`` is a usage error naming the id, never "internal error" and never silently a number."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from moviebuild.cli.main import _register, cli
from moviebuild.config.numbers import ascii_number
from moviebuild.errors import GraphError
from moviebuild.graph import NodeId, parse_node_id
from tests.conftest import MovieFactory

#: Superscript two, full-width three, Arabic-Indic two, Devanagari one, a mathematical bold one.
UNICODE_DIGITS = ("²", "３", "٢", "१", "𝟏", "1²", "₂")


def invoke(*args: str) -> Result:
    _register()
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
def test_a_node_id_with_a_unicode_digit_is_not_an_id(digit: str) -> None:
    with pytest.raises(GraphError, match="digits 0-9"):
        parse_node_id(f"SegmentNarration[{digit}]")
    assert ascii_number(digit) is None
    assert parse_node_id("SegmentImage[12][3]") == NodeId("SegmentImage", (12, 3))


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
def test_set_redo_and_explain_refuse_unicode_digits(movie_folder: MovieFactory,
                                                    digit: str) -> None:
    folder = str(movie_folder())
    target = f"SegmentNarration[{digit}]"
    for args in (("--set", f"{target}=New words", "--dry-run"), ("redo", target),
                 ("explain", target)):
        result = invoke("-C", folder, *args)
        assert result.exit_code == 2, (args, result.exit_code, result.output)
        assert "internal error" not in result.output
        assert target in result.output and "digits 0-9" in result.output


@pytest.mark.parametrize("args", [
    ("--budget", "３", "--dry-run"),
    ("init", "{tmp}/m", "--inquiry", "x", "--duration", "٣٠"),
    ("serve", "--port", "８０８０"),
    ("serve", "--grace", "¹"),
    ("serve", "--max-builds-per-tenant", "２"),
    ("worker", "--grace", "٣"),
])
def test_number_options_read_only_ascii_digits(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = invoke(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert result.exit_code == 2, result.output
    assert "write it with the digits 0-9" in result.output
    assert not (tmp_path / "m").exists()
