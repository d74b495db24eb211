"""``make test`` names what the machine lacks in one line, with the command that installs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import preflight


def test_one_line_names_what_is_missing_and_the_apt_get_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(preflight, "FONT_DIRS", (tmp_path,))
    missing = preflight.missing()
    assert {part.package for part in missing} >= {"fonts-dejavu-core", "fonts-noto-cjk"}
    line = preflight.line(missing)
    assert line is not None and "\n" not in line
    assert line.startswith("make test: missing ")
    assert "a CJK font (caption tests (skipped))" in line
    assert line.endswith("fonts-dejavu-core fonts-noto-cjk")
    assert "sudo apt-get install --no-install-recommends " in line


def test_nothing_is_said_when_nothing_is_missing() -> None:
    assert preflight.line([]) is None
