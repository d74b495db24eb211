"""``out/`` never lies: its files are copies of the revision's blobs (never hard links), so an
edit in place cannot damage the store; every build puts back a file that differs from the
revision, and ``fsck`` finds such files (``--repair`` puts them back)."""

from __future__ import annotations

import json
from pathlib import Path

from moviebuild.project.movie import Movie
from moviebuild.store.cache import hash_file
from tests.conftest import MovieFactory
from tests.store.test_damaged_blobs import build, damage, image_blob
from tests.store.test_fsck import fsck, kinds

IMAGE = Path("out") / "segment-02" / "image-1.png"


def current_digest(folder: Path, artifact: str = "SegmentImage[2][1]") -> str:
    store = Movie.open(folder).open_store()
    head = store.read_head()
    assert head is not None
    for entry in store.read_manifest(head)["jobs"].values():
        digest = (entry.get("outputs") or {}).get(artifact)
        if digest:
            return str(digest)
    raise AssertionError(artifact)


def edit_in_place(path: Path) -> None:
    """What an editor that saves into the same file does (root ignores the read-only bit)."""
    with path.open("r+b") as handle:
        handle.seek(10)
        handle.write(b"edited by hand")


def test_an_edit_in_place_in_out_leaves_the_store_intact_and_the_next_build_puts_it_back(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    digest = current_digest(folder)
    edit_in_place(folder / IMAGE)

    assert hash_file(str(image_blob(folder))) == digest, "the edit reached the store"
    summary = build(folder)
    assert summary["ran"] == {}, "an edit in out/ must not make a job run again"
    assert hash_file(str(folder / IMAGE)) == digest
    notices = summary["notices"]
    assert isinstance(notices, list) and any("image-1.png" in str(n) for n in notices), notices


def test_a_damaged_blob_remade_by_a_build_leaves_out_matching_the_revision(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    damage(image_blob(folder))
    build(folder)  # sets the damaged blob aside and remakes it
    assert hash_file(str(folder / IMAGE)) == current_digest(folder)
    assert fsck(folder)[0] == 0


def test_fsck_finds_an_out_file_that_differs_from_the_revision_and_repair_puts_it_back(
    movie_folder: MovieFactory,
) -> None:
    folder = movie_folder(duration=30, images_per_segment=1)
    build(folder)
    edit_in_place(folder / IMAGE)
    code, report = fsck(folder)
    assert code == 3 and kinds(report) == ["out-file"], json.dumps(report)
    code, report = fsck(folder, "--repair")
    assert code == 0, report
    assert hash_file(str(folder / IMAGE)) == current_digest(folder)
    code, report = fsck(folder)
    assert code == 0 and report["findings"] == []
