"""BlobStore on every store backend (local, memory, S3)."""

from __future__ import annotations

import os
import pathlib
import uuid
from collections.abc import Iterator

import pytest
import xxhash

from moviebuild.errors import StoreError
from moviebuild.store import (
    BlobStore,
    Store,
    delete_blobs,
    delete_temp_files,
    find_temp_files,
    find_unreferenced_blobs,
    open_store,
)
from moviebuild.store.cache import VerifiedFiles


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    with open_store(backend_url) as opened:
        yield opened


def plant_file(store: Store, path: str, data: bytes) -> None:
    """Write a file behind the store's back (blobs are read-only files locally)."""
    store.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    if store.is_local and os.path.exists(path):
        os.chmod(path, 0o644)
    store.fs.pipe_file(path, data)


def object_files(store: Store) -> list[str]:
    return sorted(store.fs.find(f"{store.root}/objects"))


def test_identical_bytes_are_stored_once(store: Store) -> None:
    first = store.blobs.put_blob(b"narration", "mp3")
    second = store.blobs.put_blob(b"narration", "mp3")

    assert first == second == xxhash.xxh3_128_hexdigest(b"narration")
    assert list(store.blobs.list_blobs()) == [first]
    assert object_files(store) == [f"{store.root}/objects/{first[:2]}/{first}.mp3"]


def test_a_blob_reads_back_with_its_extension_remembered_by_a_fresh_store(store: Store) -> None:
    digest = store.blobs.put_blob(b"\x89PNG image", ".png")
    fresh = BlobStore(store.fs, store.root)

    assert fresh.get_blob(digest) == b"\x89PNG image"
    assert fresh.blob_path(digest).endswith(f"/objects/{digest[:2]}/{digest}.png")
    assert fresh.blob_size(digest) == len(b"\x89PNG image")
    assert fresh.has_blob(digest)


def test_the_first_extension_wins_for_identical_bytes(store: Store) -> None:
    digest = store.blobs.put_blob(b"same text", "txt")
    assert store.blobs.put_blob(b"same text", "md") == digest
    assert store.blobs.blob_path(digest).endswith(".txt")


def test_a_corrupt_blob_is_detected_on_read_and_repaired_by_the_next_put(store: Store) -> None:
    digest = store.blobs.put_blob(b"original bytes", "png")
    plant_file(store, store.blobs.blob_path(digest), b"flipped bytes!")

    with pytest.raises(StoreError, match=f"blob {digest} is corrupt"):
        store.blobs.get_blob(digest)
    assert not store.blobs.has_blob(digest)

    assert store.blobs.put_blob(b"original bytes", "png") == digest
    assert store.blobs.get_blob(digest) == b"original bytes"


def test_a_blob_cut_short_is_rewritten_by_the_next_put(store: Store) -> None:
    digest = store.blobs.put_blob(b"a long video", "mp4")
    plant_file(store, store.blobs.blob_path(digest), b"a lo")
    fresh = BlobStore(store.fs, store.root)

    assert fresh.has_blob(digest)  # the size is not recorded anywhere: only reading tells
    assert not fresh.has_blob(digest, size=len(b"a long video"))
    fresh.put_blob(b"a long video", "mp4")
    assert fresh.get_blob(digest) == b"a long video"


def test_an_empty_object_is_not_a_blob_unless_it_is_the_empty_blob(store: Store) -> None:
    digest = xxhash.xxh3_128_hexdigest(b"some bytes")
    plant_file(store, f"{store.root}/objects/{digest[:2]}/{digest}.png", b"")
    assert not store.blobs.has_blob(digest)

    empty = store.blobs.put_blob(b"", "txt")
    assert store.blobs.has_blob(empty)
    assert store.blobs.get_blob(empty) == b""


def test_temp_leftovers_are_ignored_and_removed_by_gc(store: Store) -> None:
    digest = store.blobs.put_blob(b"kept", "txt")
    leftover = f"{store.root}/objects/{digest[:2]}/.tmp-{uuid.uuid4().hex}"
    plant_file(store, leftover, b"half a blob")
    fresh = BlobStore(store.fs, store.root)

    assert list(fresh.list_blobs()) == [digest]
    assert fresh.get_blob(digest) == b"kept"
    assert find_temp_files(store) == [leftover]
    assert delete_temp_files(store) == len(b"half a blob")
    assert find_temp_files(store) == []
    assert fresh.get_blob(digest) == b"kept"


def test_a_blob_written_by_another_store_object_is_found(store: Store) -> None:
    digest = xxhash.xxh3_128_hexdigest(b"later")
    reader = BlobStore(store.fs, store.root)
    assert not reader.has_blob(digest)  # loads (and caches) the shard

    BlobStore(store.fs, store.root).put_blob(b"later", "txt")
    assert reader.has_blob(digest)


def test_a_missing_blob_is_a_store_error_naming_it(store: Store) -> None:
    digest = xxhash.xxh3_128_hexdigest(b"never stored")
    assert not store.blobs.has_blob(digest)
    for read in (store.blobs.get_blob, store.blobs.blob_path, store.blobs.blob_size):
        with pytest.raises(StoreError, match=digest):
            read(digest)


def test_malformed_digests_and_extensions_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="not a blob digest"):
        store.blobs.has_blob("../../etc/passwd")
    with pytest.raises(StoreError, match="extension"):
        store.blobs.put_blob(b"x", "tar/gz")
    with pytest.raises(StoreError, match="extension"):
        store.blobs.put_blob(b"x", "")


def test_local_blob_path_is_a_real_file_only_for_local_stores(store: Store) -> None:
    digest = store.blobs.put_blob(b"frame", "png")
    local = store.blobs.local_blob_path(digest)
    if store.is_local:
        assert local is not None and local.read_bytes() == b"frame"
    else:
        assert local is None


def test_gc_deletes_unreferenced_blobs_and_counts_bytes_freed(store: Store) -> None:
    kept = store.blobs.put_blob(b"kept", "txt")
    dropped = store.blobs.put_blob(b"dropped!", "txt")

    unreferenced = find_unreferenced_blobs(store, {kept})
    assert unreferenced == [dropped]
    assert delete_blobs(store, [*unreferenced, dropped]) == len(b"dropped!")
    assert list(store.blobs.list_blobs()) == [kept]
    assert not store.blobs.has_blob(dropped)


def test_reading_known_blobs_leaves_the_hash_memo_as_it_was(tmp_path: pathlib.Path) -> None:
    # The memo is replaced by a rename when written, so its inode says whether it was.
    blob = tmp_path / "blob"
    blob.write_bytes(b"bytes")
    memo = tmp_path / "memo.json"
    files = VerifiedFiles(str(memo))
    files.note_written(str(blob))
    files.save()
    saved = memo.stat().st_ino
    again = VerifiedFiles(str(memo))
    again.note_written(str(blob))
    again.save()
    assert memo.stat().st_ino == saved
    blob.write_bytes(b"other")
    again.note_written(str(blob))
    again.save()
    assert memo.stat().st_ino != saved
