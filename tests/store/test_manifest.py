"""Manifests and HEAD on every store backend (local, memory, S3)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from moviebuild.errors import StoreError, StoreFormatError
from moviebuild.store import MANIFEST_FORMAT_VERSION, Revisions, Store, open_store
from moviebuild.store.manifest import writer


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    with open_store(backend_url) as opened:
        yield opened


def plant_manifest(store: Store, rev: int, data: bytes) -> None:
    path = Revisions(store.fs, store.root).manifest_path(rev)
    store.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    store.fs.pipe_file(path, data)


PAYLOAD = {"inputs": {"duration_s": 60}, "jobs": [{"id": "Script", "status": "succeeded"}]}


def test_a_manifest_reads_back_as_written_inside_a_versioned_envelope(store: Store) -> None:
    store.write_manifest(1, PAYLOAD)

    assert store.read_manifest(1) == PAYLOAD
    on_disk = json.loads(store.fs.cat_file(f"{store.root}/revisions/1.json"))
    assert on_disk == {"format_version": MANIFEST_FORMAT_VERSION, "written_by": writer(), **PAYLOAD}


def test_a_written_revision_is_never_overwritten(store: Store) -> None:
    store.write_manifest(1, PAYLOAD)
    with pytest.raises(StoreError, match="revision 1 already exists"):
        store.write_manifest(1, {"jobs": []})
    assert store.read_manifest(1) == PAYLOAD
    assert store.fs.find(f"{store.root}/revisions") == [f"{store.root}/revisions/1.json"]


def test_a_newer_format_asks_for_an_upgrade(store: Store) -> None:
    plant_manifest(store, 2, json.dumps({"format_version": MANIFEST_FORMAT_VERSION + 1}).encode())
    with pytest.raises(StoreFormatError, match="newer moviebuild") as raised:
        store.read_manifest(2)
    assert "upgrade" in (raised.value.hint or "")


def test_an_older_format_is_a_clear_format_error(store: Store) -> None:
    plant_manifest(store, 2, json.dumps({"format_version": 0, "jobs": []}).encode())
    with pytest.raises(StoreFormatError, match="older moviebuild") as raised:
        store.read_manifest(2)
    assert raised.value.hint


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"format_version": 1, "jobs": [', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'{"jobs": []}', "no format_version"),
        (b'{"format_version": "1"}', "no format_version"),
        (b"[1, 2]", "no format_version"),
    ],
)
def test_an_unreadable_manifest_is_a_format_error_with_a_hint(
    store: Store, data: bytes, message: str
) -> None:
    plant_manifest(store, 5, data)
    with pytest.raises(StoreFormatError, match=message) as raised:
        store.read_manifest(5)
    assert raised.value.hint


def test_a_missing_revision_is_a_store_error_not_a_format_error(store: Store) -> None:
    with pytest.raises(StoreError, match="revision 9 does not exist") as raised:
        store.read_manifest(9)
    assert not isinstance(raised.value, StoreFormatError)


def test_payloads_that_are_not_json_or_set_the_version_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="JSON"):
        store.write_manifest(1, {"when": object()})
    with pytest.raises(StoreError, match="format_version"):
        store.write_manifest(1, {"format_version": 7})
    assert store.list_revisions() == []


def test_list_revisions_ignores_temp_and_foreign_files(store: Store) -> None:
    store.write_manifest(3, PAYLOAD)
    store.write_manifest(12, PAYLOAD)
    store.fs.pipe_file(f"{store.root}/revisions/.tmp-{uuid.uuid4().hex}", b"{")
    store.fs.pipe_file(f"{store.root}/revisions/notes.json", b"{}")

    assert store.list_revisions() == [3, 12]


def test_head_is_absent_until_written_and_only_points_at_written_revisions(store: Store) -> None:
    assert store.read_head() is None
    with pytest.raises(StoreError, match="has not been written"):
        store.write_head(1)

    store.write_manifest(1, PAYLOAD)
    store.write_head(1)
    store.write_manifest(2, PAYLOAD)
    store.write_head(2)
    assert store.read_head() == 2
    assert store.fs.cat_file(f"{store.root}/HEAD") == b"2\n"


def test_a_head_that_is_not_a_number_is_a_format_error(store: Store) -> None:
    store.fs.pipe_file(f"{store.root}/HEAD", b"main\n")
    with pytest.raises(StoreFormatError, match="HEAD") as raised:
        store.read_head()
    assert raised.value.hint
