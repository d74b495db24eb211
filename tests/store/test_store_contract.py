"""The contract every store backend keeps, run through the ``Store`` facade only on the local
file system, fsspec's memory file system, and a real S3-protocol server (moto on 127.0.0.1 with
authentication on), directly and behind a proxy answering 412 with a bare body.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import moviebuild.store
from moviebuild.errors import LockHeld, StoreError, StoreFormatError
from moviebuild.store import STORE_FORMAT_VERSION, LockHolder, Store, open_store


@pytest.fixture
def url(backend_url: str) -> str:
    return backend_url


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with open_store(url) as opened:
        yield opened


def test_a_new_store_records_its_layout_version(store: Store) -> None:
    document = json.loads(store.fs.cat_file(f"{store.root}/store.json"))
    assert document == {"format_version": STORE_FORMAT_VERSION}


def test_an_existing_store_opens_without_create_and_a_missing_one_does_not(url: str) -> None:
    with pytest.raises(StoreError, match="no moviebuild store"):
        open_store(url, create=False)
    open_store(url).blobs.put_blob(b"x", "txt")
    assert list(open_store(url, create=False).blobs.list_blobs())


def test_a_store_with_an_unknown_layout_version_is_a_format_error(store: Store, url: str) -> None:
    store.fs.pipe_file(f"{store.root}/store.json", b'{"format_version": 99}')
    with pytest.raises(StoreFormatError, match="newer moviebuild"):
        open_store(url)
    store.fs.pipe_file(f"{store.root}/store.json", b"{{")
    with pytest.raises(StoreFormatError, match="not valid JSON"):
        open_store(url)


def test_the_url_says_where_the_store_is(store: Store, url: str) -> None:
    if store.is_local:
        assert store.url == Path(url).resolve().as_uri()
    else:
        assert store.url == url.replace("memory://", "memory:///")
    assert open_store(store.url).url == store.url


def test_next_revision_follows_manifests_journals_and_head(store: Store) -> None:
    assert store.next_revision() == 1
    store.append_journal(1, {"event": "start"})
    assert store.next_revision() == 2
    store.write_manifest(1, {"jobs": []})
    store.write_head(1)
    assert store.next_revision() == 2
    store.append_journal(4, {"event": "start"})
    assert store.next_revision() == 5
    store.write_manifest(7, {"jobs": []})
    assert store.next_revision() == 8


def test_a_build_leaves_blobs_journal_manifest_and_head(store: Store) -> None:
    with store.lock():
        rev = store.next_revision()
        store.append_journal(rev, {"event": "start", "job": "Narration[1]"})
        audio = store.blobs.put_blob(b"mp3 bytes", "mp3")
        same = store.blobs.put_blob(b"mp3 bytes", "mp3")
        store.append_journal(rev, {"event": "finish", "job": "Narration[1]", "output": audio})
        store.write_manifest(rev, {"outputs": {"Narration[1]": audio}})
        store.write_head(rev)

    reopened = open_store(store.url, create=False)
    assert same == audio
    assert reopened.read_head() == rev
    assert reopened.read_manifest(rev) == {"outputs": {"Narration[1]": audio}}
    assert [record["event"] for record in reopened.read_journal(rev)] == ["start", "finish"]
    assert reopened.blobs.get_blob(audio) == b"mp3 bytes"
    assert list(reopened.blobs.list_blobs()) == [audio]


def test_one_build_at_a_time_and_a_dead_builds_lock_is_taken_over(store: Store) -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        holder = LockHolder(process.pid, socket.gethostname(), datetime.now(UTC))
        store.fs.pipe_file(store.lock().path, holder.encode())
        with pytest.raises(LockHeld, match=str(process.pid)):
            store.lock().acquire()
    finally:
        process.kill()
        process.wait()

    with store.lock() as lock:
        assert lock.takeover_message == (
            f"took over a lock left by dead process {process.pid} "
            f"(building since {holder.started:%Y-%m-%d %H:%M:%S} UTC)"
        )


def test_the_package_exports_what_all_lists() -> None:
    exported = {name for name in dir(moviebuild.store) if not name.startswith("_")}
    assert set(moviebuild.store.__all__) <= exported
    assert {"Store", "open_store", "BlobStore", "MovieLock"} <= set(moviebuild.store.__all__)



def test_the_call_history_is_replaced_whole_and_read_back_by_another_opener(
    store: Store, url: str
) -> None:
    assert store.read_usage_history() == b""
    store.write_usage_history(b'{"producer": "ScriptProducer"}\n')
    store.write_usage_history(b'{"producer": "ScriptProducer"}\n{"producer": "Other"}\n')
    with open_store(url, create=False) as other:
        assert other.read_usage_history().splitlines() == [
            b'{"producer": "ScriptProducer"}', b'{"producer": "Other"}'
        ]
