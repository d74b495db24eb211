"""folder_files: writes are atomic renames inside the folder, and no read, write or delete goes
through a symbolic link at any depth."""

from __future__ import annotations

from pathlib import Path

import pytest

from moviebuild.errors import ConfigError
from moviebuild.project.folder_files import (
    copy_file,
    file_exists,
    list_files,
    read_file,
    remove_file,
    remove_temp_files,
    write_file,
)


def test_write_creates_folders_and_replaces_the_file_atomically(tmp_path: Path) -> None:
    write_file(tmp_path, "prompts/segment-01/image-1.txt", b"old")
    path = tmp_path / "prompts" / "segment-01" / "image-1.txt"
    with path.open("rb") as before:
        write_file(tmp_path, "prompts/segment-01/image-1.txt", b"new")
        assert before.read() == b"old"
    assert path.read_bytes() == b"new"
    assert list_files(tmp_path, "prompts") == ["segment-01/image-1.txt"]


@pytest.mark.parametrize("depth", ["prompts", "prompts/segment-01", "prompts/segment-01/a.txt"])
def test_a_link_at_any_depth_is_refused_for_reads_and_writes(tmp_path: Path, depth: str) -> None:
    outside = tmp_path / "outside"
    (outside / "segment-01").mkdir(parents=True)
    (outside / "segment-01" / "a.txt").write_text("secret")
    (outside / "a.txt").write_text("secret")
    folder = tmp_path / "movie"
    (folder / depth).parent.mkdir(parents=True, exist_ok=True)
    (folder / depth).symlink_to(outside / depth.removeprefix("prompts").lstrip("/") or outside)
    with pytest.raises(ConfigError, match="is a symbolic link"):
        write_file(folder, "prompts/segment-01/a.txt", b"overwritten")
    with pytest.raises(ConfigError, match="is a symbolic link"):
        read_file(folder, "prompts/segment-01/a.txt")
    assert not file_exists(folder, "prompts/segment-01/a.txt")
    assert (outside / "segment-01" / "a.txt").read_text() == "secret"


def test_remove_deletes_a_link_itself_never_its_target(tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "music.mp3").symlink_to(target)
    assert list_files(tmp_path, "out") == ["music.mp3"]
    assert list_files(tmp_path, "out", regular_only=True) == []
    remove_file(tmp_path, "out/music.mp3")
    assert not (tmp_path / "out" / "music.mp3").is_symlink() and target.read_text() == "keep"


def test_copy_file_replaces_a_planted_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(b"media")
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "music.mp3").symlink_to(victim)
    with pytest.raises(ConfigError, match="is a symbolic link"):
        copy_file(tmp_path, "out/music.mp3", blob)
    remove_file(tmp_path, "out/music.mp3")
    copy_file(tmp_path, "out/music.mp3", blob)
    copied = tmp_path / "out" / "music.mp3"
    assert copied.read_bytes() == b"media" and not copied.samefile(blob)
    assert victim.read_bytes() == b"keep"


def test_a_file_where_a_folder_belongs_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "prompts").write_text("not a folder")
    with pytest.raises(ConfigError, match="is a file, but moviebuild keeps a folder there"):
        write_file(tmp_path, "prompts/music.txt", b"x")


def test_temporary_files_are_removed_and_nothing_else(tmp_path: Path) -> None:
    write_file(tmp_path, "prompts/music.txt", b"drums")
    (tmp_path / "prompts" / ".moviebuild-tmp-deadbeef0000").write_bytes(b"torn")
    remove_temp_files(tmp_path, "prompts")
    assert list_files(tmp_path, "prompts") == ["music.txt"]
