"""Store entries of the wrong kind (a file where a folder belongs, a folder where a file belongs)
used to make every build fail while ``fsck --repair`` reported nothing: fsck finds each one,
``--repair`` sets it aside under ``damaged/`` and the next build succeeds."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from moviebuild.cli.main import _register, cli
from tests.conftest import MovieFactory
from tests.store.test_damaged_blobs import build, image_blob
from tests.store.test_fsck import fsck, kinds


def file_in_place_of_a_shard(folder: Path) -> Path:
    shard = image_blob(folder).parent
    shutil.rmtree(shard)
    shard.write_bytes(b"not a folder")
    return shard


def folder_in_place_of_a_blob(folder: Path) -> Path:
    blob = image_blob(folder)
    blob.unlink()
    (blob / "inside").mkdir(parents=True)
    (blob / "inside" / "file.png").write_bytes(b"x")
    return blob


def folder_in_place_of_head(folder: Path) -> Path:
    head = folder / ".moviebuild" / "HEAD"
    head.unlink()
    head.mkdir()
    return head


def file_in_place_of_revisions(folder: Path) -> Path:
    revisions = folder / ".moviebuild" / "revisions"
    shutil.rmtree(revisions)
    revisions.write_text("1\n")
    return revisions


def folder_in_place_of_a_manifest(folder: Path) -> Path:
    manifest = folder / ".moviebuild" / "revisions" / "1.json"
    manifest.unlink()
    manifest.mkdir()
    return manifest


@pytest.mark.parametrize(
    "misshape",
    [
        file_in_place_of_a_shard,
        folder_in_place_of_a_blob,
        folder_in_place_of_head,
        file_in_place_of_revisions,
        folder_in_place_of_a_manifest,
    ],
)
def test_fsck_sets_aside_an_entry_of_the_wrong_kind_and_the_next_build_succeeds(
    movie_folder: MovieFactory, misshape: Callable[[Path], Path]
) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    where = misshape(folder)

    _register()
    failed = CliRunner().invoke(cli, ["-C", str(folder)])
    if failed.exit_code != 0:
        assert "internal error" not in failed.output and "Traceback" not in failed.output
        assert "fsck --repair" in failed.output, failed.output

    code, report = fsck(folder)
    assert code == 3, report
    assert "wrong-kind" in kinds(report)
    assert where.exists(), "fsck without --repair changes nothing"

    code, report = fsck(folder, "--repair")
    assert code == 0, report
    assert list((folder / ".moviebuild" / "damaged").rglob(where.name)), "set aside, not deleted"
    build(folder)
    assert fsck(folder)[0] == 0
    assert (folder / "out" / "segment-02" / "image-1.png").is_file()
