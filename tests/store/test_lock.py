"""The movie lock on every store backend (local, memory, S3)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from moviebuild.errors import LockHeld, StoreError
from moviebuild.store import LockHolder, Store, open_store
from moviebuild.store.lock import LockLease


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    with open_store(backend_url) as opened:
        yield opened


@pytest.fixture
def live_pid() -> Iterator[int]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


@pytest.fixture
def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def plant_lock(store: Store, holder: LockHolder | bytes) -> None:
    data = holder if isinstance(holder, bytes) else holder.encode()
    store.fs.pipe_file(store.lock().path, data)


def holder(pid: int, *, host: str | None = None, started: datetime | None = None) -> LockHolder:
    return LockHolder(pid, host or socket.gethostname(), started or datetime.now(UTC))


def test_a_lock_is_created_with_its_holder_and_removed_on_release(store: Store) -> None:
    with store.lock() as lock:
        assert lock.held
        assert lock.takeover_message is None
        written = LockHolder.decode(store.fs.cat_file(lock.path))
        assert written is not None
        assert (written.pid, written.host) == (os.getpid(), socket.gethostname())
    assert not lock.held
    assert not store.fs.exists(lock.path)
    lock.release()


def test_a_second_build_in_the_same_process_is_refused(store: Store) -> None:
    with store.lock(), pytest.raises(LockHeld) as raised:
        store.lock().acquire()
    assert raised.value.holder_pid == os.getpid()


def test_a_lock_held_by_a_live_process_is_refused_naming_its_pid(
    store: Store, live_pid: int
) -> None:
    plant_lock(store, holder(live_pid))
    planted = store.fs.cat_file(store.lock().path)
    lock = store.lock()

    with pytest.raises(LockHeld, match=str(live_pid)) as raised:
        lock.acquire()
    assert raised.value.holder_pid == live_pid
    assert raised.value.hint and lock.path in raised.value.hint
    assert not lock.held
    assert store.fs.cat_file(lock.path) == planted


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_message(
    store: Store, dead_pid: int
) -> None:
    plant_lock(store, holder(dead_pid))

    with store.lock() as lock:
        assert lock.takeover_message is not None
        assert f"dead process {dead_pid}" in lock.takeover_message
        written = LockHolder.decode(store.fs.cat_file(lock.path))
        assert written is not None and written.pid == os.getpid()
    assert not store.fs.exists(lock.path)


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"pid": "12"}', b"[1]"])
def test_an_unreadable_lock_file_is_taken_over_with_a_message(
    store: Store, garbage: bytes
) -> None:
    plant_lock(store, garbage)
    with store.lock() as lock:
        assert lock.takeover_message is not None
        assert "unreadable" in lock.takeover_message


def test_a_lock_from_another_host_is_held_even_if_that_pid_is_free_here(
    store: Store, dead_pid: int
) -> None:
    plant_lock(store, holder(dead_pid, host="render-box-7"))
    with pytest.raises(LockHeld, match="render-box-7") as raised:
        store.lock().acquire()
    assert raised.value.holder_pid == dead_pid


def test_a_lock_from_another_host_is_taken_over_once_its_lease_has_run_out(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOVIEBUILD_LOCK_LEASE_S", "3600")
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    plant_lock(store, holder(4242, host="render-box-7", started=two_hours_ago))
    with store.lock() as lock:
        assert lock.takeover_message is not None
        assert "process 4242 on host render-box-7" in lock.takeover_message
        assert "lease of 1 h has run out" in lock.takeover_message


@pytest.mark.parametrize("where", ["local", "s3"])
def test_of_two_takers_that_judged_a_lock_stale_only_one_wins(
    where: str, tmp_path: Path, request: pytest.FixtureRequest, dead_pid: int
) -> None:
    store: Store = (
        open_store(tmp_path / "store") if where == "local" else request.getfixturevalue("s3_store")
    )
    stale = holder(dead_pid).encode()
    plant_lock(store, stale)
    first = holder(1001).encode()
    second = holder(1002).encode()
    # Both read the stale lock; then each replaces it, conditionally on what it read.
    assert store.lock()._replace_stale(stale, first)
    assert not store.lock()._replace_stale(stale, second)
    assert store.fs.cat_file(store.lock().path) == first


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_lock_whose_pid_was_reused_by_a_newer_process_is_taken_over(store: Store) -> None:
    # This process started long after 2001, so it cannot have written this lock.
    plant_lock(store, holder(os.getpid(), started=datetime(2001, 1, 1, tzinfo=UTC)))
    with store.lock() as lock:
        assert lock.takeover_message is not None
        assert f"dead process {os.getpid()}" in lock.takeover_message


def test_release_leaves_a_lock_that_someone_else_took_over(store: Store, live_pid: int) -> None:
    lock = store.lock().acquire()
    plant_lock(store, holder(live_pid))
    lock.release()
    assert store.fs.exists(lock.path)


def test_acquiring_twice_with_one_lock_object_is_an_error(store: Store) -> None:
    with store.lock() as lock, pytest.raises(StoreError, match="already held"):
        lock.acquire()


def test_a_lock_of_an_older_lease_epoch_is_taken_over_wherever_its_holder_runs(
    store: Store, live_pid: int
) -> None:
    plant_lock(store, LockHolder(live_pid, "render-box-7", datetime.now(UTC),
                                 LockLease("m1", 3)))
    with store.lock(LockLease("m1", 4)) as lock:
        written = LockHolder.decode(store.fs.cat_file(lock.path))
        assert lock.takeover_message is not None
        assert "lease epoch 3" in lock.takeover_message
    assert written is not None and written.lease == LockLease("m1", 4)


def test_a_lock_of_a_newer_lease_epoch_is_held_even_by_a_dead_process(
    store: Store, dead_pid: int
) -> None:
    plant_lock(store, LockHolder(dead_pid, socket.gethostname(), datetime.now(UTC),
                                 LockLease("m1", 5)))
    with pytest.raises(LockHeld):
        store.lock(LockLease("m1", 4)).acquire()


def test_a_lock_without_a_lease_is_judged_by_its_holders_life(
    store: Store, live_pid: int
) -> None:
    plant_lock(store, holder(live_pid))
    with pytest.raises(LockHeld):
        store.lock(LockLease("m1", 9)).acquire()
