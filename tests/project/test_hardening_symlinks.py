"""A build never writes or deletes through a symbolic link under prompts/ or out/: a link planted
in prompts/ or as out/ itself is refused with a message, a link inside out/ (which moviebuild
rebuilds) is removed, never followed, and whatever a link points to is left alone."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from moviebuild.cli.main import _register, cli
from tests.conftest import FAKE_MEDIA, write_moviefile


def invoke(folder: Path, *args: str) -> Result:
    _register()
    return CliRunner().invoke(cli, ["-C", str(folder), *args])


def movie(tmp_path: Path) -> Path:
    return write_moviefile(
        tmp_path / "movie", duration=20, images_per_segment=1, providers=FAKE_MEDIA
    ).parent


def outside(tmp_path: Path) -> Path:
    victim = tmp_path / "elsewhere"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me\n")
    (victim / "image-1.png").write_text("not an image of the movie\n")
    return victim


def assert_refused(result: Result, link: str) -> None:
    assert result.exit_code == 2, result.output
    assert link in result.stderr and "is a symbolic link" in result.stderr
    assert "hint:" in result.stderr


def test_a_linked_prompt_file_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    target = tmp_path / "bashrc"
    target.write_text("export PATH=/usr/bin\n")
    (folder / "prompts").mkdir()
    (folder / "prompts" / "music.txt").symlink_to(target)
    assert_refused(invoke(folder, "build"), "prompts/music.txt")
    assert target.read_text() == "export PATH=/usr/bin\n"


def test_a_linked_prompts_folder_is_refused(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    victim = outside(tmp_path)
    (folder / "prompts").symlink_to(victim)
    assert_refused(invoke(folder, "build"), "prompts")
    assert sorted(p.name for p in victim.iterdir()) == ["image-1.png", "precious.txt"]


def test_a_linked_segment_folder_in_out_is_replaced_never_followed(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    victim = outside(tmp_path)
    (folder / "out").mkdir()
    (folder / "out" / "segment-01").symlink_to(victim)
    assert invoke(folder, "build").exit_code == 0
    assert not (folder / "out" / "segment-01").is_symlink()
    assert (folder / "out" / "segment-01" / "image-1.png").is_file()
    assert (victim / "image-1.png").read_text() == "not an image of the movie\n"
    assert sorted(p.name for p in victim.iterdir()) == ["image-1.png", "precious.txt"]


def test_a_linked_out_folder_is_refused_and_nothing_there_is_deleted(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    assert invoke(folder, "build").exit_code == 0
    victim = outside(tmp_path)
    for entry in sorted((folder / "out").rglob("*"), reverse=True):
        entry.rmdir() if entry.is_dir() else entry.unlink()
    (folder / "out").rmdir()
    (folder / "out").symlink_to(victim)
    write_moviefile(
        folder,
        inquiry="Tell me about rivers",
        duration=20,
        images_per_segment=1,
        providers=FAKE_MEDIA,
    )
    assert_refused(invoke(folder, "build"), "out")
    assert sorted(p.name for p in victim.iterdir()) == ["image-1.png", "precious.txt"]


def test_a_stray_link_inside_out_is_removed_without_touching_its_target(tmp_path: Path) -> None:
    folder = movie(tmp_path)
    assert invoke(folder, "build").exit_code == 0
    victim = outside(tmp_path)
    (folder / "out" / "stray.txt").symlink_to(victim / "precious.txt")
    (folder / "out" / ".outputs.json").write_text("[]")
    assert invoke(folder, "build").exit_code == 0
    assert not (folder / "out" / "stray.txt").is_symlink()
    assert (victim / "precious.txt").read_text() == "keep me\n"
