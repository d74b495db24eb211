"""Garbage collection: blobs no revision needs and temp files left by interrupted writes. Which
blobs are still referenced is the caller's to say (it reads the manifests); the caller should hold
the movie's lock, so that no build is writing while files are removed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Set
from typing import Any

from moviebuild.store.files import TEMP_PREFIX
from moviebuild.store.store import Store
from moviebuild.store.transport import transport_errors


def find_unreferenced_blobs(store: Store, referenced: Set[str]) -> list[str]:
    """Stored digests not in ``referenced``, sorted."""
    return [digest for digest in store.blobs.list_blobs() if digest not in referenced]


def delete_blobs(store: Store, digests: Iterable[str]) -> int:
    """Delete the given blobs; returns the bytes freed (blobs already gone count as 0)."""
    return sum(store.blobs.delete_blob(digest) for digest in digests)


def find_temp_files(store: Store) -> list[str]:
    """fsspec paths of temp files anywhere in the store (writes that never finished), sorted."""
    with transport_errors(f"could not list {store.url}"):
        entries: dict[str, Any] = store.fs.find(store.root, detail=True)
    return sorted(
        path for path, info in entries.items()
        if path.rsplit("/", 1)[-1].startswith(TEMP_PREFIX) and info.get("type", "file") == "file"
    )


def delete_temp_files(store: Store) -> int:
    """Delete every temp file in the store; returns the bytes freed."""
    freed = 0
    entries = find_temp_files(store)
    with transport_errors(f"could not clean temp files in {store.url}"):
        for path in entries:
            with contextlib.suppress(FileNotFoundError):
                size = int(store.fs.size(path))
                store.fs.rm_file(path)
                freed += size
    return freed
