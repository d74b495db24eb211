"""A store that stops accepting writes (a full disk) stops the build's new calls at once, keeps
what was written, and ends the build with one clear message; once there is room again, the next
build repays no finished call."""

from __future__ import annotations

import errno
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from moviebuild.errors import StoreError
from moviebuild.store import open_store
from moviebuild.testing.clock import ManualClock
from moviebuild.testing.fake import FakeAdapter
from tests.conftest import MovieFactory, run_build

#: A 60 s movie with 3 images per segment: title, summary, 6 narrations, the music prompt and
#: 18 image prompts are text (offline); 6 narrations, 18 images and the music are fake calls.
TEXT_BLOBS = 27
MEDIA_CALLS = 25


class FullDiskFS(MemoryFileSystem):
    """fsspec's memory file system on a disk with room for ``room_for_blobs`` more blobs:
    after that, writing a blob fails with ENOSPC."""

    protocol = "fulldisk"
    root_marker = ""
    store: ClassVar[dict[str, Any]] = {}
    pseudo_dirs: ClassVar[list[str]] = [""]
    room_for_blobs: ClassVar[float] = float("inf")

    def pipe_file(self, path: str, value: bytes, *args: Any, **kwargs: Any) -> None:
        if "/objects/" in path or "/.tmp-" in path:
            # Journal lines and manifests are small and still fit; media no longer does.
            if FullDiskFS.room_for_blobs <= 0:
                raise OSError(errno.ENOSPC, "No space left on device", path)
            FullDiskFS.room_for_blobs -= "/objects/" in path
        super().pipe_file(path, value, *args, **kwargs)


@pytest.fixture
def full_disk() -> Iterator[type[FullDiskFS]]:
    fsspec.register_implementation("fulldisk", FullDiskFS, clobber=True)
    FullDiskFS.store.clear()
    FullDiskFS.pseudo_dirs[:] = [""]
    yield FullDiskFS
    FullDiskFS.room_for_blobs = float("inf")
    FullDiskFS.store.clear()


def test_a_full_disk_stops_new_calls_keeps_finished_work_and_says_so(
    movie_folder: MovieFactory, full_disk: type[FullDiskFS], tmp_path: Path
) -> None:
    url = f"fulldisk://{uuid.uuid4().hex}/movie"
    folder = movie_folder(duration=60, images_per_segment=3, store=url)
    full_disk.room_for_blobs = TEXT_BLOBS + 5
    fake = FakeAdapter(clock=ManualClock())
    with pytest.raises(StoreError, match="the disk is full") as raised:
        run_build(folder, fake)
    assert raised.value.hint and "finished work is kept" in raised.value.hint
    # The calls already in flight when the first write failed finish (the fake pool admits 64,
    # so how many were in flight depends on how fast the text jobs ran: 5 to 12 seen); what must
    # hold is that the build stopped there instead of calling every remaining provider.
    assert 0 < sum(fake.calls.values()) < MEDIA_CALLS, "no new calls after the first failed write"
    kept = finished_jobs(url)
    assert kept & set(fake.calls), "what finished before the disk filled is kept"

    full_disk.room_for_blobs = float("inf")
    after = FakeAdapter(clock=ManualClock())
    assert run_build(folder, after).complete
    assert not kept & set(after.calls), "no finished call is repaid"
    assert sum(after.calls.values()) == MEDIA_CALLS - len(kept & set(fake.calls))


def finished_jobs(url: str) -> set[str]:
    store = open_store(url, create=False)
    return {
        record["job"]
        for rev in store.list_journals()
        for record in store.read_journal(rev)
        if record.get("event") == "end" and record.get("status") == "done"
    }
