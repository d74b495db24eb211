"""``render`` never writes through a link planted under ``out/``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from tests.conftest import write_moviefile


def test_render_removes_a_link_planted_at_its_partial_file(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=10, images_per_segment=1, size="480p")
    _register()
    runner = CliRunner()
    assert runner.invoke(cli, ["-C", str(folder)]).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (folder / "out" / ".preview.partial.mp4").symlink_to(victim)
    result = runner.invoke(cli, ["-C", str(folder), "render", "--json"])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "keep me"
    assert (folder / "out" / "preview.mp4").stat().st_size > 1000


def test_render_refuses_an_out_folder_that_is_a_link(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    write_moviefile(folder, duration=10, images_per_segment=1, size="480p")
    _register()
    runner = CliRunner()
    assert runner.invoke(cli, ["-C", str(folder)]).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    (folder / "out").rename(elsewhere)
    (folder / "out").symlink_to(elsewhere)
    result = runner.invoke(cli, ["-C", str(folder), "render"])
    assert result.exit_code == 2, result.output
    assert not (elsewhere / "preview.mp4").exists()
